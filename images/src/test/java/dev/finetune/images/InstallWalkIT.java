package dev.finetune.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.cluster.NodeAgent;
import dev.finetune.operator.cluster.RealCluster;
import dev.finetune.testsupport.Command;
import dev.finetune.testsupport.S3Server;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's cluster path, walked on this machine's real control plane with every pod from the
 * project's images under podman ({@link PodmanRuntime} behind the {@link NodeAgent}): install the
 * operator as a Deployment with {@code kubectl apply -k deploy/overlays/local}, create the S3
 * Secret, {@code kubectl apply -f deploy/examples/cpu-cluster-job.yaml} as it is, kill the
 * operator's pod in the middle of the job (its ReplicaSet starts another, which takes over: one
 * attempt), see it Succeeded, then uninstall and find nothing left. The object store is s3proxy on
 * the host's address of the pod network, the only place the pods can reach besides the API server.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallWalkIT {
  static final String OPERATOR_NS = "finetune-system";
  static final String JOB = "fmnist-cpu";

  static Images images;
  static RealCluster cluster;
  static KubernetesClient admin;
  static ApiForwarder forwarder;
  static NodeAgent agent;
  static S3Server s3;
  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    Podman.require();
    FashionMnist.require();
    // Containers of this test's pods left by an earlier run that was killed (its agent never
    // removed them) would fail the last check of every walk: remove them first, as a kubelet's
    // container garbage collection does for pods it no longer knows, and say so.
    Podman.run(Duration.ofSeconds(30), "ps", "-a", "--format", "{{.Names}}")
        .output()
        .lines()
        .filter(InstallWalkIT::ours)
        .forEach(
            stale -> {
              System.out.println("WALK removing a container left by an earlier run: " + stale);
              Podman.run(Duration.ofSeconds(60), "rm", "-f", stale).check("podman rm " + stale);
            });
    images = Images.build();
    InetAddress host = Podman.host(images.trainer());
    cluster = RealCluster.shared();
    admin = cluster.admin();
    forwarder = ApiForwarder.start(host, URI.create(cluster.url()).getPort());
    agent =
        new NodeAgent(
            admin,
            Files.createDirectories(dir.resolve("nodes")),
            new PodmanRuntime(admin, host.getHostAddress(), forwarder.port()));
    s3 = S3Server.start("finetune", host);
    // The README's upload step: the four Fashion-MNIST files under data/fashion-mnist/.
    FashionMnist.copyTo(s3.root().resolve("data/fashion-mnist"));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      if (forwarder != null) {
        forwarder.close();
      }
      if (s3 != null) {
        s3.close();
      }
    }
  }

  @Test
  @Order(1)
  void kustomizeInstallRunsTheExampleSurvivesAnOperatorKillAndUninstallsClean() throws Exception {
    long t0 = System.nanoTime();
    kubectl("apply", "--server-side", "-k", root("deploy/overlays/local"));
    Pod first = awaitOperatorReady(null);
    System.out.printf(
        "WALK kustomize: operator Ready in %d s (pod %s)%n",
        seconds(t0), first.getMetadata().getName());
    secret("default");
    long t1 = System.nanoTime();
    kubectl("apply", "-f", root("deploy/examples/cpu-cluster-job.yaml"));
    await("the job's trainer pod runs", Duration.ofMinutes(5), () -> trainerPodRunning("default"));

    // Kill the operator's pod: its ReplicaSet makes another, which takes the lease and goes on.
    kubectl("delete", "pod", "-n", OPERATOR_NS, first.getMetadata().getName(), "--wait=false");
    Pod second = awaitOperatorReady(first.getMetadata().getName());
    System.out.printf(
        "WALK kustomize: operator pod replaced by %s%n", second.getMetadata().getName());

    FineTuneJob done = awaitPhase("default", "Succeeded", Duration.ofMinutes(15));
    System.out.printf(
        "WALK kustomize: %s Succeeded in %d s, test accuracy %s%n",
        JOB,
        seconds(t1),
        done.getStatus().metrics == null ? "?" : done.getStatus().metrics.testAccuracy);
    assertEquals(1, done.getStatus().attempts, "the operator's restart made no second attempt");
    assertTrue(
        done.getStatus().finalModelUri != null
            && Files.isRegularFile(s3.file(done.getStatus().finalModelUri)),
        "the final model is in the bucket: " + done.getStatus().finalModelUri);
    String got = kubectl("get", "ftj", JOB, "-n", "default");
    assertTrue(got.contains("Succeeded"), got);

    // Uninstall, as the README says: jobs first (the operator removes their finalizers), then
    // everything the overlay applied.
    kubectl(
        "delete",
        "-f",
        root("deploy/examples/cpu-cluster-job.yaml"),
        "--wait=true",
        "--timeout=120s");
    kubectl("delete", "-k", root("deploy/overlays/local"), "--wait=true", "--timeout=180s");
    assertNothingLeft("default");
  }

  @Test
  @Order(2)
  void helmInstallRunsTheExampleAndUninstallsClean() throws Exception {
    long t0 = System.nanoTime();
    Path kubeconfig = cluster.kubeconfig();
    new Helm(Podman.ROOT.resolve("deploy/helm/finetune-operator"))
        .install()
        .withName("finetune-operator")
        .withNamespace(OPERATOR_NS)
        .createNamespace()
        .set("image.pullPolicy", "Never")
        .withKubeConfig(kubeconfig)
        .call();
    awaitOperatorReady(null);
    System.out.printf("WALK helm: operator Ready in %d s%n", seconds(t0));
    String ns = "walk-helm";
    // The first walk's files stay in the bucket (they are kept on purpose, spec.artifactPolicy),
    // and the trainer refuses to mix runs; a new install starts from an empty run folder.
    deleteTree(s3.root().resolve("runs/" + JOB));
    kubectl("create", "namespace", ns);
    secret(ns);
    long t1 = System.nanoTime();
    kubectl("apply", "-n", ns, "-f", root("deploy/examples/cpu-cluster-job.yaml"));
    FineTuneJob done = awaitPhase(ns, "Succeeded", Duration.ofMinutes(15));
    System.out.printf(
        "WALK helm: %s Succeeded in %d s, test accuracy %s%n",
        JOB,
        seconds(t1),
        done.getStatus().metrics == null ? "?" : done.getStatus().metrics.testAccuracy);
    assertEquals(1, done.getStatus().attempts);

    // Uninstall as the README says: jobs, the release, then what Helm keeps on purpose (the CRD
    // from the chart's crds/ folder, and the namespace --create-namespace made).
    kubectl(
        "delete",
        "-n",
        ns,
        "-f",
        root("deploy/examples/cpu-cluster-job.yaml"),
        "--wait=true",
        "--timeout=120s");
    Helm.uninstall("finetune-operator")
        .withNamespace(OPERATOR_NS)
        .withKubeConfig(kubeconfig)
        .call();
    kubectl(
        "delete",
        "crd",
        "finetunejobs.finetune.dev",
        "finetunesweeps.finetune.dev",
        "--wait=true",
        "--timeout=120s");
    kubectl("delete", "namespace", OPERATOR_NS, ns, "--wait=true", "--timeout=180s");
    assertNothingLeft(ns);
  }

  @Test
  @Order(3)
  void anImageNeverBuiltAndAMemoryLimitTooSmallFailVisibly() throws Exception {
    kubectl("apply", "--server-side", "-k", root("deploy/overlays/local"));
    awaitOperatorReady(null);
    String ns = "walk-bad";
    kubectl("create", "namespace", ns);
    secret(ns);
    deleteTree(s3.root().resolve("runs/" + JOB));
    String example = Files.readString(Path.of(root("deploy/examples/cpu-cluster-job.yaml")));

    // An image nobody built: the pod waits with the kubelet's reason and an Event, and the job's
    // REASON column says it, instead of a silent Pending.
    kubectlWithInput(
        example
            .replace("name: fmnist-cpu", "name: no-image")
            .replace("runs/fmnist-cpu", "runs/no-image")
            .replace("spec:\n", "spec:\n  image: localhost/finetune-trainer:never-built\n"),
        "apply",
        "-n",
        ns,
        "-f",
        "-");
    await(
        "the job shows the image error",
        Duration.ofMinutes(2),
        () -> {
          String row = kubectl("get", "ftj", "no-image", "-n", ns, "--no-headers");
          return row.contains("ErrImagePull");
        });
    String events =
        kubectl(
            "get",
            "events",
            "-n",
            ns,
            "--field-selector",
            "reason=ErrImagePull",
            "-o",
            "custom-columns=MESSAGE:.message",
            "--no-headers");
    assertTrue(events.contains("localhost/finetune-trainer:never-built"), events);
    System.out.printf("WALK bad image: %s", kubectl("get", "ftj", "no-image", "-n", ns));

    // 300 MiB for a ResNet-18 at 64 px: the kernel kills the trainer at its cgroup limit, the
    // pod says OOMKilled, and the job follows the retry path of exit 137 until backoffLimit.
    kubectlWithInput(
        example
            .replace("name: fmnist-cpu", "name: small-memory")
            .replace("runs/fmnist-cpu", "runs/small-memory")
            .replace("memory: 2Gi", "memory: 300Mi")
            .replace("spec:\n", "spec:\n  backoffLimit: 1\n"),
        "apply",
        "-n",
        ns,
        "-f",
        "-");
    FineTuneJob oom = awaitPhase(ns, "small-memory", "Failed", Duration.ofMinutes(10));
    assertEquals(137, oom.getStatus().lastExitCode, "SIGKILL at the memory limit");
    assertEquals(2, oom.getStatus().attempts, "one retry (backoffLimit 1)");
    assertEquals(2, oom.getStatus().restarts, "two retryable failures exceed backoffLimit 1");
    String failed =
        oom.getStatus().conditions.stream()
            .filter(c -> c.getType().equals("Failed"))
            .findFirst()
            .orElseThrow()
            .getMessage();
    assertTrue(failed.contains("OOMKilled"), failed);
    System.out.printf("WALK small memory: %s%n", failed);

    kubectl("delete", "ftj", "--all", "-n", ns, "--wait=true", "--timeout=120s");
    kubectl("delete", "-k", root("deploy/overlays/local"), "--wait=true", "--timeout=180s");
    kubectl("delete", "namespace", ns, "--wait=true", "--timeout=120s");
    assertNothingLeft(ns);
  }

  /** No object of the install and no container of its pods remain. */
  private static void assertNothingLeft(String jobNamespace) throws Exception {
    await(
        "namespace " + OPERATOR_NS + " is gone",
        Duration.ofMinutes(3),
        () -> admin.namespaces().withName(OPERATOR_NS).get() == null);
    assertEquals(
        List.of(),
        admin.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
            .map(c -> c.getMetadata().getName())
            .filter(n -> n.endsWith(".finetune.dev"))
            .toList(),
        "the CRDs are gone");
    List<String> left = new ArrayList<>();
    admin
        .rbac()
        .clusterRoles()
        .withLabel("app.kubernetes.io/part-of", "finetune-operator")
        .list()
        .getItems()
        .forEach(r -> left.add("ClusterRole " + r.getMetadata().getName()));
    admin
        .rbac()
        .clusterRoleBindings()
        .withLabel("app.kubernetes.io/part-of", "finetune-operator")
        .list()
        .getItems()
        .forEach(r -> left.add("ClusterRoleBinding " + r.getMetadata().getName()));
    await(
        "the job's pods are gone",
        Duration.ofMinutes(2),
        () -> admin.pods().inNamespace(jobNamespace).list().getItems().isEmpty());
    admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(jobNamespace)
        .list()
        .getItems()
        .forEach(j -> left.add("Job " + j.getMetadata().getName()));
    assertEquals(List.of(), left, "left behind by the uninstall");
    await(
        "the agent removed the pods' containers",
        Duration.ofMinutes(1),
        () ->
            Podman.run(Duration.ofSeconds(30), "ps", "-a", "--format", "{{.Names}}")
                .output()
                .lines()
                .noneMatch(InstallWalkIT::ours));
    String containers =
        Podman.run(Duration.ofSeconds(30), "ps", "-a", "--format", "{{.Names}}")
            .check("podman ps")
            .output();
    assertTrue(
        containers.lines().noneMatch(InstallWalkIT::ours), "containers left:\n" + containers);
  }

  /** A container of this test's pods: the operator's, or a job's. */
  private static boolean ours(String container) {
    return List.of("finetune-operator-", JOB + "-", "no-image-", "small-memory-").stream()
        .anyMatch(container::startsWith);
  }

  private static void secret(String namespace) {
    List<String> args =
        new ArrayList<>(List.of("create", "secret", "generic", "s3-creds", "-n", namespace));
    s3.env().forEach((k, v) -> args.add("--from-literal=" + k + "=" + v));
    kubectl(args.toArray(String[]::new));
  }

  private static boolean trainerPodRunning(String namespace) {
    agent.check();
    return admin.pods().inNamespace(namespace).list().getItems().stream()
        .anyMatch(
            p ->
                p.getMetadata().getName().startsWith(JOB + "-")
                    && p.getStatus() != null
                    && "Running".equals(p.getStatus().getPhase()));
  }

  /** The operator's Ready pod, other than {@code not}; fails with the pods' states. */
  private static Pod awaitOperatorReady(String not) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    while (System.nanoTime() < deadline) {
      agent.check();
      for (Pod p :
          admin
              .pods()
              .inNamespace(OPERATOR_NS)
              .withLabel("app.kubernetes.io/name", "finetune-operator")
              .list()
              .getItems()) {
        boolean ready =
            p.getStatus() != null
                && p.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        if (ready
            && !p.getMetadata().getName().equals(not)
            && p.getMetadata().getDeletionTimestamp() == null) {
          Deployment d =
              admin
                  .apps()
                  .deployments()
                  .inNamespace(OPERATOR_NS)
                  .withName("finetune-operator")
                  .get();
          if (d.getStatus() != null
              && Integer.valueOf(1).equals(d.getStatus().getAvailableReplicas())) {
            return p;
          }
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "no Ready operator pod after 4 minutes:\n"
            + kubectl("get", "pods,rs,deploy,events", "-n", OPERATOR_NS, "-o", "wide"));
  }

  private static FineTuneJob awaitPhase(String namespace, String phase, Duration timeout)
      throws Exception {
    return awaitPhase(namespace, JOB, phase, timeout);
  }

  private static FineTuneJob awaitPhase(
      String namespace, String name, String phase, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    FineTuneJob f = null;
    while (System.nanoTime() < deadline) {
      agent.check();
      f = admin.resources(FineTuneJob.class).inNamespace(namespace).withName(name).get();
      if (f != null && f.getStatus() != null && phase.equals(f.getStatus().phase)) {
        return f;
      }
      if (f != null
          && f.getStatus() != null
          && !phase.equals("Failed")
          && "Failed".equals(f.getStatus().phase)) {
        break;
      }
      Thread.sleep(1000);
    }
    throw new AssertionError(
        "not "
            + phase
            + ": "
            + (f == null ? "no job" : admin.getKubernetesSerialization().asYaml(f.getStatus()))
            + "\n"
            + kubectl("get", "pods,jobs,events", "-n", namespace, "-o", "wide"));
  }

  static String kubectl(String... args) {
    Command.Result r = cluster.kubectl(args);
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "kubectl " + String.join(" ", args) + " failed:\n" + r.stdout() + r.stderr());
    }
    return r.stdout();
  }

  static String kubectlWithInput(String stdin, String... args) {
    Command.Result r = cluster.kubectlWithInput(stdin, args);
    if (r.exitCode() != 0) {
      throw new AssertionError(
          "kubectl " + String.join(" ", args) + " failed:\n" + r.stdout() + r.stderr());
    }
    return r.stdout();
  }

  static void await(String what, Duration timeout, Supplier<Boolean> done) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      agent.check();
      if (done.get()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("timed out: " + what);
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  static String root(String path) {
    return Podman.ROOT.resolve(path).toString();
  }

  static long seconds(long t0) {
    return (System.nanoTime() - t0) / 1_000_000_000L;
  }
}
