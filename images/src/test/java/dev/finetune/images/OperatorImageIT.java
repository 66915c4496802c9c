package dev.finetune.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.sim.MockApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator image as deploy/base runs it: the Deployment's own pod spec (image name, user 185,
 * read-only root, /tmp emptyDir, JVM flags, memory limit) run by podman, pointed at fabric8's mock
 * API server on the tests' network. It reconciles a FineTuneJob into a trainer Job with the trainer
 * image deploy/base names, and /q/health/ready and /q/metrics answer inside the container and on
 * the pod IP, where a kubelet's probes and Prometheus reach them.
 */
class OperatorImageIT {
  static final Path DEPLOYMENT = Podman.ROOT.resolve("deploy/base/operator.yaml");
  static final String NS = "images";

  @TempDir Path dir;

  @Test
  void reconcilesAFineTuneJobAndAnswersProbes() throws Exception {
    Podman.require();
    Images images = Images.build();
    Deployment deployment = deployment();
    PodSpec spec = deployment.getSpec().getTemplate().getSpec();
    assertEquals(
        images.operator(),
        spec.getContainers().get(0).getImage(),
        "deploy/base runs the image bin/images builds");
    String trainerImage =
        spec.getContainers().get(0).getEnv().stream()
            .filter(e -> e.getName().equals("FINETUNE_OPERATOR_TRAINER_IMAGE"))
            .findFirst()
            .orElseThrow()
            .getValue();
    assertEquals(images.trainer(), trainerImage, "deploy/base's trainer image is bin/images'");

    try (MockApiServer api = MockApiServer.start(Podman.host(images.operator()))) {
      String url = "http://" + Podman.hostAddress() + ":" + URI.create(api.url()).getPort();
      // In a cluster the API server comes from the ServiceAccount; here from these settings.
      Map<String, String> env =
          Map.of(
              "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", url,
              "QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true",
              "QUARKUS_KUBERNETES_CLIENT_NAMESPACE", NS);
      long t0 = System.nanoTime();
      try (PodmanPod pod =
          PodmanPod.start("finetune-operator", NS, spec, Map.of(), Map.of(), env, dir)) {
        String ready = awaitReady(pod);
        System.out.printf("IMAGE operator: ready in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertTrue(ready.contains("\"status\": \"UP\""), ready);

        FineTuneJob f = new FineTuneJob();
        f.setMetadata(new ObjectMetaBuilder().withName("from-image").withNamespace(NS).build());
        f.setSpec(new dev.finetune.api.v1alpha1.spec.FineTuneJobSpec());
        f.getSpec().dataset.train = "https://data.example.com/train.zip";
        f.getSpec().dataset.test = "https://data.example.com/test.zip";
        api.client().resource(f).create();
        Job job = awaitJob(api, "from-image-attempt-1", pod);
        var trainer = job.getSpec().getTemplate().getSpec();
        assertEquals(trainerImage, trainer.getContainers().get(0).getImage());
        assertEquals(
            185L,
            trainer.getSecurityContext().getRunAsUser(),
            "trainer pods run as the trainer image's user");

        String inside = get(pod, "/q/health/ready");
        assertTrue(inside.startsWith("HTTP/1.1 200") && inside.contains("UP"), inside);
        String metrics = get(pod, "/q/metrics");
        assertTrue(metrics.startsWith("HTTP/1.1 200"), metrics);
        assertTrue(metrics.contains("reconciliations_started_total"), metrics);
        assertTrue(metrics.contains("finetune_operator_jobs"), metrics);
      }
    }
  }

  static Deployment deployment() throws Exception {
    try (InputStream in = Files.newInputStream(DEPLOYMENT)) {
      List<HasMetadata> docs = new KubernetesSerialization().unmarshal(in);
      return docs.stream()
          .filter(d -> d instanceof Deployment)
          .map(d -> (Deployment) d)
          .findFirst()
          .orElseThrow();
    }
  }

  /** The readiness probe: GET /q/health/ready on the pod IP, as a kubelet sends it. */
  static String awaitReady(PodmanPod pod) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    String ip = pod.ip();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!pod.running()) {
        throw new AssertionError("operator container exited:\n" + pod.logs());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/q/health/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200) {
          return r.body();
        }
      } catch (java.io.IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError("not ready after 3 minutes (" + last + "):\n" + pod.logs());
  }

  static Job awaitJob(MockApiServer api, String name, PodmanPod pod) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Job j = api.client().batch().v1().jobs().inNamespace(NS).withName(name).get();
      if (j != null) {
        return j;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("no Job " + name + " after 2 minutes:\n" + pod.logs());
  }

  /**
   * An HTTP GET from inside the container: bash's /dev/tcp, as the image has no curl (only the JRE
   * and Debian's essential packages).
   */
  static String get(PodmanPod pod, String path) {
    return pod.exec(
            "bash",
            "-c",
            "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET "
                + path
                + " HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && cat <&3")
        .check("GET " + path + " inside the container")
        .output();
  }
}
