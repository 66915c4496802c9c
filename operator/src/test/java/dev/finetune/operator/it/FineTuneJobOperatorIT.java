package dev.finetune.operator.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.status.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The operator against fabric8's mock API server (CRUD mode, CRD applied at start-up), with a
 * {@link InstantKubelet} playing the Job controller and kubelet. On failure it prints every
 * FineTuneJob's status and every Job.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
class FineTuneJobOperatorIT {
  static final String NS = "test";
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  /** finetune.operator.metrics-port in the test profile. */
  static final int TRAINER_METRICS_PORT = 19411;

  @Inject KubernetesClient client;

  InstantKubelet kubelet() {
    return InstantKubelet.manual(client, NS);
  }

  FineTuneJob create(String name, Consumer<FineTuneJobSpec> edit) {
    return client.resource(Fixtures.applied(name, NS).spec(edit).obj()).create();
  }

  FineTuneJob get(String name) {
    return client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get();
  }

  FineTuneJobStatus awaitStatus(String name, Predicate<FineTuneJobStatus> ok) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              FineTuneJob f = get(name);
              return f != null && f.getStatus() != null && ok.test(f.getStatus());
            });
    return get(name).getStatus();
  }

  Job awaitJob(String name) {
    await().atMost(TIMEOUT).until(() -> kubelet().job(name) != null);
    return kubelet().job(name);
  }

  List<Job> jobsOf(String ftj) {
    return client.batch().v1().jobs().inNamespace(NS).withLabel(Labels.JOB, ftj).list().getItems();
  }

  void setSuspend(String name, boolean suspend) {
    client
        .resources(FineTuneJob.class)
        .inNamespace(NS)
        .withName(name)
        .edit(
            f -> {
              f.getSpec().suspend = suspend;
              return f;
            });
  }

  @AfterEach
  void dumpOnFailure(TestInfo info) {
    // Cheap enough to always print: status and Jobs are what a failing assertion needs.
    for (FineTuneJob f : client.resources(FineTuneJob.class).inNamespace(NS).list().getItems()) {
      System.out.println(
          "["
              + info.getDisplayName()
              + "] "
              + f.getMetadata().getName()
              + " status: "
              + client.getKubernetesSerialization().asJson(f.getStatus()));
    }
    for (Job j : client.batch().v1().jobs().inNamespace(NS).list().getItems()) {
      System.out.println(
          "["
              + info.getDisplayName()
              + "] job "
              + j.getMetadata().getName()
              + " status: "
              + client.getKubernetesSerialization().asJson(j.getStatus()));
    }
  }

  @Test
  void createsExactlyOneJobWithTheTemplateAndSucceeds() {
    FineTuneJob f = create("one", s -> {});
    Job job = awaitJob("one-attempt-1");
    assertEquals(f.getMetadata().getUid(), job.getMetadata().getOwnerReferences().get(0).getUid());
    var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("trainer:it", c.getImage());
    assertTrue(c.getArgs().containsAll(List.of("--cpus", "2")), c.getArgs().toString());
    assertEquals("s3-creds", c.getEnvFrom().get(0).getSecretRef().getName());
    var cm = client.configMaps().inNamespace(NS).withName("one-spec").get();
    assertNotNull(cm, "spec ConfigMap");
    assertTrue(cm.getData().get("job.yaml").contains("s3://data/train.tar.gz"));

    kubelet().run("one-attempt-1");
    FineTuneJobStatus s = awaitStatus("one", st -> "Running".equals(st.phase));
    assertEquals(1, s.attempts);
    assertEquals("one-attempt-1", s.currentJob);
    assertEquals(1, jobsOf("one").size());

    kubelet().exit("one-attempt-1", 0, null);
    s = awaitStatus("one", st -> "Succeeded".equals(st.phase));
    assertEquals("s3://ckpt/one/model/model.safetensors", s.finalModelUri);
    assertEquals(1, jobsOf("one").size());
    assertEquals(1L, s.observedGeneration);
  }

  @Test
  void noStatusWriteWhenNothingChanged() throws InterruptedException {
    create("quiet", s -> {});
    awaitJob("quiet-attempt-1");
    kubelet().run("quiet-attempt-1");
    awaitStatus("quiet", st -> "Running".equals(st.phase));
    Thread.sleep(500); // let the events of the transition settle
    String version = get("quiet").getMetadata().getResourceVersion();
    // Reconciles keep coming (pod events, the metrics-interval reschedule) but change nothing.
    client
        .pods()
        .inNamespace(NS)
        .withName("quiet-attempt-1-pod")
        .edit(
            p -> {
              p.getMetadata().getAnnotations().put("touch", "1");
              return p;
            });
    Thread.sleep(2000);
    assertEquals(version, get("quiet").getMetadata().getResourceVersion());
  }

  @Test
  void retryableExitStartsTheNextAttempt() {
    create("retry", s -> {});
    awaitJob("retry-attempt-1");
    kubelet().run("retry-attempt-1");
    awaitStatus("retry", st -> "Running".equals(st.phase));
    kubelet().exit("retry-attempt-1", 143, "preempted: checkpoint ckpt-40 written");
    Job second = awaitJob("retry-attempt-2");
    assertEquals("2", second.getMetadata().getLabels().get(Labels.ATTEMPT));
    FineTuneJobStatus s = awaitStatus("retry", st -> st.attempts != null && st.attempts == 2);
    assertEquals(0, s.restarts, "SIGTERM (143) is a preemption: backoffLimit is not used");
    assertEquals(1, s.preemptions);
    assertEquals(143, s.lastExitCode);
    assertEquals(2, jobsOf("retry").size());
    assertEquals(
        "2",
        second.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
            .filter(e -> e.getName().equals("FINETUNE_ATTEMPT"))
            .findFirst()
            .orElseThrow()
            .getValue());
  }

  @Test
  void permanentExitFailsWithTheTrainersMessage() {
    create("bad", s -> {});
    awaitJob("bad-attempt-1");
    kubelet().run("bad-attempt-1");
    kubelet().exit("bad-attempt-1", 3, "spec.training.epochs: must be in [1, 10000], got 0");
    FineTuneJobStatus s = awaitStatus("bad", st -> "Failed".equals(st.phase));
    var failed = StatusBuilder.condition(s, "Failed").orElseThrow();
    assertEquals("PermanentFailure", failed.getReason());
    assertTrue(
        failed.getMessage().contains("exited with code 3: spec.training.epochs"),
        failed.getMessage());
    assertEquals(1, jobsOf("bad").size(), "no retry after a permanent failure");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(NS).list().getItems().stream()
                    .filter(e -> "bad".equals(e.getInvolvedObject().getName()))
                    .map(e -> e.getType() + "/" + e.getReason())
                    .toList()
                    .containsAll(
                        List.of("Normal/AttemptCreated", "Normal/Running", "Warning/Failed")));
  }

  @Test
  void invalidSpecFailsWithoutAJob() {
    create("invalid", s -> s.dataset.train = "ftp://host/train.zip");
    FineTuneJobStatus s = awaitStatus("invalid", st -> "Failed".equals(st.phase));
    var failed = StatusBuilder.condition(s, "Failed").orElseThrow();
    assertEquals("InvalidSpec", failed.getReason());
    assertTrue(failed.getMessage().startsWith("spec.dataset.train:"), failed.getMessage());
    assertEquals(0, jobsOf("invalid").size());
  }

  @Test
  void missingFromJobIsInvalid() {
    create(
        "orphan",
        s -> {
          s.model.pretrained = new dev.finetune.api.v1alpha1.spec.PretrainedSpec();
          s.model.pretrained.fromJob = "nowhere";
        });
    // First it waits (the grace period is 3 s in the test profile), then the spec is invalid.
    awaitStatus(
        "orphan",
        st ->
            StatusBuilder.condition(st, "Running")
                .map(c -> "WaitingForSource".equals(c.getReason()))
                .orElse(false));
    FineTuneJobStatus s = awaitStatus("orphan", st -> "Failed".equals(st.phase));
    var failed = StatusBuilder.condition(s, "Failed").orElseThrow();
    assertEquals("InvalidSpec", failed.getReason());
    assertTrue(
        failed.getMessage().startsWith("spec.model.pretrained.fromJob:"), failed.getMessage());
    assertTrue(failed.getMessage().contains("'nowhere' does not exist"), failed.getMessage());
    assertEquals(0, jobsOf("orphan").size());
  }

  @Test
  void reReconcileWithLostStatusNeverDuplicatesTheJob() {
    create("idem", s -> {});
    awaitJob("idem-attempt-1");
    kubelet().run("idem-attempt-1");
    awaitStatus("idem", st -> "Running".equals(st.phase));
    // As after an operator restart that lost its memory: wipe status, then cause reconciles.
    client
        .resources(FineTuneJob.class)
        .inNamespace(NS)
        .withName("idem")
        .editStatus(
            f -> {
              f.setStatus(new FineTuneJobStatus());
              return f;
            });
    for (int i = 0; i < 3; i++) {
      int n = i;
      client
          .pods()
          .inNamespace(NS)
          .withName("idem-attempt-1-pod")
          .edit(
              p -> {
                p.getMetadata().getAnnotations().put("touch", String.valueOf(n));
                return p;
              });
    }
    FineTuneJobStatus s = awaitStatus("idem", st -> "Running".equals(st.phase));
    assertEquals(1, s.attempts);
    assertEquals(1, jobsOf("idem").size());
  }

  @Test
  void suspendStopsThePodAndResumeStartsTheNextAttempt() {
    create("pause", s -> {});
    awaitJob("pause-attempt-1");
    kubelet().run("pause-attempt-1");
    awaitStatus("pause", st -> "Running".equals(st.phase));

    setSuspend("pause", true);
    await()
        .atMost(TIMEOUT)
        .until(() -> client.pods().inNamespace(NS).withName("pause-attempt-1-pod").get() == null);
    assertEquals(
        Labels.STOPPED_BY_SUSPEND,
        kubelet().job("pause-attempt-1").getMetadata().getAnnotations().get(Labels.STOPPED_BY));
    kubelet().finish("pause-attempt-1", false);
    FineTuneJobStatus s = awaitStatus("pause", st -> "Suspended".equals(st.phase));
    assertEquals(0, s.restarts);
    assertEquals(1, jobsOf("pause").size(), "no new attempt while suspended");

    setSuspend("pause", false);
    awaitJob("pause-attempt-2");
    s = awaitStatus("pause", st -> st.attempts != null && st.attempts == 2);
    assertEquals(0, s.restarts, "a resume is not a restart");
  }

  @Test
  void progressAndAccuracyAreReadFromTheTrainerPod() throws Exception {
    var trainer =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress("127.0.0.1", TRAINER_METRICS_PORT), 0);
    trainer.createContext(
        "/metrics",
        ex -> {
          byte[] body = dev.finetune.operator.observe.TrainerMetricsTest.SAMPLE.getBytes();
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    trainer.start();
    try {
      create("scraped", s -> {});
      awaitJob("scraped-attempt-1");
      kubelet().run("scraped-attempt-1");
      FineTuneJobStatus s = awaitStatus("scraped", st -> st.metrics != null);
      assertEquals(3, s.progress.epoch);
      assertEquals("0.8421", s.metrics.testAccuracy);
    } finally {
      trainer.stop(0);
    }
  }

  @Test
  void metricsAndHealth() {
    create("metered", s -> {});
    awaitJob("metered-attempt-1");
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                given()
                    .when()
                    .get("/q/metrics")
                    .then()
                    .statusCode(200)
                    .body(containsString("reconciliations_started_total"))
                    .body(containsString("reconciliations_execution_duration_seconds_bucket"))
                    .body(containsString("quantile=\"0.99\""))
                    .body(
                        containsString(
                            "finetune_operator_jobs{namespace=\"" + NS + "\",phase=\"Pending\"}"))
                    // the background scraper's own meters (docs/controller-flow.md)
                    .body(
                        containsString(
                            "finetune_operator_progress_scrape_seconds_count{outcome=\"failed\"}"))
                    .body(containsString("finetune_operator_progress_scrape_skipped_total")));
    given().when().get("/q/health").then().statusCode(200).body(containsString("UP"));
  }

  /**
   * A FineTuneJob deleted and re-created under the same name before the garbage collector ran: the
   * old spec ConfigMap, Job and running pod are still there, with the same names and labels. The
   * new one must never mount the old spec nor read the old pod.
   */
  @Test
  void aReCreatedJobNeverUsesThePreviousIncarnationsChildren() throws Exception {
    var oldOwner =
        new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
            .withApiVersion("finetune.dev/v1alpha1")
            .withKind("FineTuneJob")
            .withName("race")
            .withUid("uid-of-the-deleted-one")
            .withController(true)
            .build();
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("race-spec")
                .withNamespace(NS)
                .addToLabels(Labels.JOB, "race")
                .withOwnerReferences(oldOwner)
                .endMetadata()
                .addToData("job.yaml", "the previous incarnation's spec")
                .build())
        .create();
    Job oldJob =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .resource(
                new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
                    .withNewMetadata()
                    .withName("race-attempt-1")
                    .withNamespace(NS)
                    .addToLabels(Labels.JOB, "race")
                    .addToLabels(Labels.ATTEMPT, "1")
                    .withOwnerReferences(oldOwner)
                    .endMetadata()
                    .withNewSpec()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels(Labels.JOB, "race")
                    .addToLabels(Labels.ATTEMPT, "1")
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("trainer")
                    .withImage("old")
                    .endContainer()
                    .withRestartPolicy("Never")
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.PodBuilder()
                .withMetadata(
                    dev.finetune.operator.sim.JobOutcome.podMetadata(oldJob, "race-old-pod"))
                .withNewSpec()
                .addNewContainer()
                .withName("trainer")
                .withImage("old")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("127.0.0.1")
                .endStatus()
                .build())
        .create();

    FineTuneJob f = create("race", s -> {});
    String uid = f.getMetadata().getUid();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Job j = kubelet().job("race-attempt-1");
              return j != null && j.getMetadata().getOwnerReferences().get(0).getUid().equals(uid);
            });
    var cm = client.configMaps().inNamespace(NS).withName("race-spec").get();
    assertEquals(uid, cm.getMetadata().getOwnerReferences().get(0).getUid());
    assertTrue(
        cm.getData().get("job.yaml").contains("s3://data/train.tar.gz"), cm.getData().toString());
    FineTuneJobStatus s = awaitStatus("race", st -> st.attempts != null && st.attempts == 1);
    Thread.sleep(1000); // the old pod keeps running; it must not make the new job Running
    s = get("race").getStatus();
    assertEquals("Pending", s.phase, "the old pod is not this Job's");
    kubelet().run("race-attempt-1");
    awaitStatus("race", st -> "Running".equals(st.phase));
  }
}
