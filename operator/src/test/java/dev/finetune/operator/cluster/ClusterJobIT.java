package dev.finetune.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.operator.it.ResultAssertions;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.status.KstatusTest;
import dev.finetune.testsupport.ArgoHealth;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * FineTuneJobs on a real control plane ({@link RealCluster}): the packaged operator under its
 * shipped RBAC (deploy/base, as its ServiceAccount), the real Job, garbage-collector and TTL
 * controllers and scheduler, and a {@link NodeAgent} that runs the real trainer on a tiny 3-class
 * ImageFolder, with checkpoints in a real S3 API (s3proxy). Jobs are applied with the real kubectl.
 * The tenant namespace has only its default ServiceAccount.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterJobIT {
  static final String NS = "team-a";
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
  static final ObjectMapper JSON = new ObjectMapper();

  static TrainingRig rig;
  static RealCluster cluster;
  static KubernetesClient admin;
  static Path data;
  static Path oneClass;
  static S3Server s3;
  static NodeAgent agent;

  @BeforeAll
  static void install() throws Exception {
    rig = TrainingRig.start(NS, "finetune-operator-0");
    cluster = rig.cluster;
    admin = rig.admin;
    s3 = rig.s3;
    agent = rig.agent;
    data = rig.data;
    oneClass = SyntheticImageFolder.write(rig.dir.resolve("one-class"), 12, 4, 32, 7);
    for (String gone : List.of("train/square", "train/stripe")) {
      try (Stream<Path> w = Files.walk(oneClass.resolve(gone))) {
        w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (rig != null) {
      rig.close();
    }
  }

  @AfterEach
  void dump(TestInfo info) {
    agent.check();
    for (FineTuneJob f : admin.resources(FineTuneJob.class).inNamespace(NS).list().getItems()) {
      System.out.println(
          "["
              + info.getDisplayName()
              + "] "
              + f.getMetadata().getName()
              + " status: "
              + admin.getKubernetesSerialization().asJson(f.getStatus()));
    }
    System.out.println(
        "["
            + info.getDisplayName()
            + "] operator log: "
            + rig.dir.resolve("operator.log")
            + ", control plane logs: "
            + cluster.logs());
  }

  static String yaml(String name, Path dataset, Consumer<FineTuneJobSpec> edit) {
    return rig.yaml(name, dataset, edit);
  }

  static void apply(String yaml) {
    cluster.kubectlWithInput(yaml, "apply", "-f", "-").ok();
  }

  static FineTuneJob get(String name) {
    return admin.resources(FineTuneJob.class).inNamespace(NS).withName(name).get();
  }

  static FineTuneJobStatus awaitStatus(String name, Predicate<FineTuneJobStatus> ok) {
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              agent.check();
              FineTuneJob f = get(name);
              return f != null && f.getStatus() != null && ok.test(f.getStatus());
            });
    return get(name).getStatus();
  }

  static Predicate<FineTuneJobStatus> phase(String phase) {
    return s -> phase.equals(s.phase);
  }

  static List<Job> jobsOf(String ftj) {
    return admin.batch().v1().jobs().inNamespace(NS).withLabel(Labels.JOB, ftj).list().getItems();
  }

  static List<Pod> podsOf(String ftj) {
    return admin.pods().inNamespace(NS).withLabel(Labels.JOB, ftj).list().getItems();
  }

  /** The pod of an attempt's Job, once the scheduler has placed it and the agent runs it. */
  static String awaitRunningPod(String ftj, int attempt) {
    String job = ftj + "-attempt-" + attempt;
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              agent.check();
              return podsOf(ftj).stream()
                  .anyMatch(
                      p ->
                          job.equals(p.getMetadata().getLabels().get("job-name"))
                              && "Running".equals(p.getStatus().getPhase())
                              && agent.running(NS, p.getMetadata().getName()).isPresent());
            });
    return podsOf(ftj).stream()
        .filter(
            p ->
                job.equals(p.getMetadata().getLabels().get("job-name"))
                    && "Running".equals(p.getStatus().getPhase()))
        .findFirst()
        .orElseThrow()
        .getMetadata()
        .getName();
  }

  /**
   * Applies a job of {@code epochs} epochs and waits until its first pod runs and has written a
   * checkpoint; returns the pod's name.
   */
  static String startAndAwaitCheckpoint(String name, int epochs) {
    apply(yaml(name, data, s -> s.training.epochs = epochs));
    String pod = awaitRunningPod(name, 1);
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                s3.keys("runs/" + name + "/checkpoints").stream()
                    .anyMatch(k -> k.endsWith("/manifest.json")));
    return pod;
  }

  static JsonNode result(String pod) throws Exception {
    Path dir = agent.running(NS, pod).orElseThrow().dir();
    return JSON.readTree(dir.resolve("volumes/work/out/result.json").toFile());
  }

  @Test
  @Order(1)
  void appliedWithKubectlItRunsThroughJobAndPodToSucceededAndStatusEqualsResult() throws Exception {
    apply(yaml("ok", data, s -> {}));
    String pod = awaitRunningPod("ok", 1);
    Pod running = admin.pods().inNamespace(NS).withName(pod).get();
    assertEquals(NodeAgent.CPU_NODE, running.getSpec().getNodeName(), "placed by the scheduler");
    assertEquals("default", running.getSpec().getServiceAccountName());

    FineTuneJobStatus s = awaitStatus("ok", phase("Succeeded"));
    ResultAssertions.assertFinishedStatusEqualsResult(s, result(pod));
    assertEquals(s3.uri("runs/ok/model/model.safetensors"), s.finalModelUri);

    Job job = jobsOf("ok").get(0);
    assertEquals("ok-attempt-1", job.getMetadata().getName());
    assertEquals("FineTuneJob", job.getMetadata().getOwnerReferences().get(0).getKind());
    assertTrue(
        job.getStatus().getConditions().stream()
            .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus())),
        "the real Job controller completed the Job: " + job.getStatus());
    assertEquals(1, job.getStatus().getSucceeded());

    String events =
        cluster
            .kubectl(
                "get",
                "events",
                "-n",
                NS,
                "--field-selector",
                "involvedObject.kind=FineTuneJob,involvedObject.name=ok",
                "-o",
                "custom-columns=REASON:.reason",
                "--no-headers")
            .ok()
            .stdout();
    assertTrue(events.lines().findAny().isPresent(), "the operator's Events on the job");
    String table = cluster.kubectl("get", "finetunejob", "ok", "-n", NS).ok().stdout();
    assertTrue(table.lines().findFirst().orElseThrow().contains("PHASE"), table);
    assertTrue(table.contains("Succeeded"), table);
    assertGitOpsHealth("ok", "Healthy", "Current");
  }

  /**
   * How Argo CD (the shipped health script, deploy/argocd) and Flux (kstatus) judge the real object
   * as the API server returns it.
   */
  @SuppressWarnings("unchecked")
  static void assertGitOpsHealth(String name, String argo, String kstatus) throws Exception {
    Map<String, Object> object =
        JSON.readValue(
            cluster.kubectl("get", "finetunejob", name, "-n", NS, "-o", "json").ok().stdout(),
            Map.class);
    ArgoHealth.Verdict v =
        ArgoHealth.of(
            Path.of("lua5.4"),
            RealCluster.ROOT.resolve("deploy/argocd/finetunejob-health.lua"),
            object);
    assertEquals(argo, v.status(), "Argo CD health: " + v);
    FineTuneJob f = get(name);
    assertEquals(kstatus, KstatusTest.kstatus(f, f.getStatus()), "Flux (kstatus) status");
  }

  @Test
  @Order(2)
  void sigkilledPodIsRetriedByTheOperatorFromItsCheckpoint() throws Exception {
    String pod = startAndAwaitCheckpoint("retry", 3);
    agent.kill(NS, pod);

    FineTuneJobStatus s = awaitStatus("retry", phase("Succeeded"));
    assertEquals(2, s.attempts);
    assertEquals(1, s.restarts);
    Job first = admin.batch().v1().jobs().inNamespace(NS).withName("retry-attempt-1").get();
    if (first != null) { // the operator may have cleaned it up already
      assertTrue(
          first.getStatus().getConditions().stream()
              .anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus())),
          "backoffLimit 0: the Job controller failed attempt 1 " + first.getStatus());
    }
  }

  @Test
  @Order(3)
  void evictionWithDisruptionTargetIsAPreemptionNotAFailure() throws Exception {
    String pod = startAndAwaitCheckpoint("evicted", 3);
    agent.evict(NS, pod);

    FineTuneJobStatus s = awaitStatus("evicted", phase("Succeeded"));
    assertEquals(1, s.preemptions, "a DisruptionTarget pod is a preemption");
    assertEquals(0, s.restarts == null ? 0 : s.restarts, "not counted as a failure");
  }

  @Test
  @Order(4)
  void aPermanentExitCodeFailsTheJobWithoutRetry() throws Exception {
    apply(yaml("one-class", oneClass, s -> {}));
    FineTuneJobStatus s = awaitStatus("one-class", phase("Failed"));
    assertEquals(1, s.attempts, "exit 5 is permanent: no second attempt");
    assertEquals(1, jobsOf("one-class").size());
    assertGitOpsHealth("one-class", "Degraded", "Failed");
  }

  @Test
  @Order(5)
  void suspendStopsThePodGracefullyAndResumeContinues() throws Exception {
    startAndAwaitCheckpoint("pause", 4);
    cluster
        .kubectl(
            "patch",
            "finetunejob",
            "pause",
            "-n",
            NS,
            "--type=merge",
            "-p",
            "{\"spec\":{\"suspend\":true}}")
        .ok();
    awaitStatus("pause", phase("Suspended"));
    await()
        .atMost(RUN_TIMEOUT)
        .until(
            () ->
                podsOf("pause").stream()
                    .noneMatch(p -> "Running".equals(p.getStatus().getPhase())));
    cluster
        .kubectl(
            "patch",
            "finetunejob",
            "pause",
            "-n",
            NS,
            "--type=merge",
            "-p",
            "{\"spec\":{\"suspend\":false}}")
        .ok();
    FineTuneJobStatus s = awaitStatus("pause", phase("Succeeded"));
    assertEquals(0, s.restarts == null ? 0 : s.restarts, "a suspension is not a failure");
  }

  @Test
  @Order(6)
  void deletingTheJobGarbageCollectsItsJobsAndPods() {
    assertTrue(!jobsOf("ok").isEmpty());
    cluster.kubectl("delete", "finetunejob", "ok", "-n", NS, "--wait=true", "--timeout=120s").ok();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> jobsOf("ok").isEmpty() && podsOf("ok").isEmpty());
  }

  @Test
  @Order(7)
  void theTtlControllerDeletesAFinishedJobsTrainerJob() {
    apply(
        yaml(
            "ttl",
            data,
            s -> {
              s.training.epochs = 1;
              s.ttlSecondsAfterFinished = 1;
            }));
    awaitStatus("ttl", phase("Succeeded"));
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> jobsOf("ttl").isEmpty());
    assertNotNull(get("ttl"), "the FineTuneJob and its status stay");
    assertEquals("Succeeded", get("ttl").getStatus().phase);
  }
}
