package dev.finetune.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.status.StatusBuilder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Kueue for real: Kueue v0.17.0's manager (built from Go modules by {@code bin/cluster build},
 * started by {@code bin/cluster kueue}) on the {@link RealCluster}, with the project's queues
 * (deploy/components/kueue) and its operator under the shipped RBAC. The ClusterQueue's CPU quota
 * is cut to one CPU, so of two one-CPU jobs only one fits: quota rather than GPUs, because the
 * {@link NodeAgent}'s trainer runs on the CPU (a job asking for a GPU would fail on it, as it
 * should).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterKueueIT {
  static final String NS = "team-q";
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
  static final String KUEUE = "kueue.x-k8s.io/v1beta2";

  static TrainingRig rig;
  static RealCluster cluster;
  static KubernetesClient admin;

  @BeforeAll
  static void install() throws Exception {
    rig = TrainingRig.start(NS, "finetune-operator-0");
    cluster = rig.cluster;
    admin = rig.admin;
    cluster.kueue();
    // The project's component as a user would use it, with the test's namespace and quota.
    Path overlay = Files.createDirectories(rig.dir.resolve("kueue-overlay"));
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: %s
        components:
          - %s
        patches:
          - target: {kind: ClusterQueue, name: finetune}
            patch: |-
              - op: test
                path: /spec/resourceGroups/0/flavors/0/resources/0/name
                value: cpu
              - op: replace
                path: /spec/resourceGroups/0/flavors/0/resources/0/nominalQuota
                value: 1
        """
            .formatted(
                NS, overlay.relativize(RealCluster.ROOT.resolve("deploy/components/kueue"))));
    String rendered =
        cluster
            .kubectl("kustomize", "--load-restrictor=LoadRestrictionsNone", overlay.toString())
            .ok()
            .stdout();
    cluster.kubectlWithInput(rendered, "apply", "--server-side", "-f", "-").ok();
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                activeCondition(
                    admin
                        .genericKubernetesResources(KUEUE, "ClusterQueue")
                        .withName("finetune")
                        .get()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (rig != null) {
      System.out.println(
          "[kueue] operator log: "
              + rig.dir.resolve("operator.log")
              + ", control plane and kueue logs: "
              + cluster.logs());
      rig.close();
    }
  }

  @SuppressWarnings("unchecked")
  static boolean activeCondition(GenericKubernetesResource queue) {
    if (queue == null || queue.getAdditionalProperties().get("status") == null) {
      return false;
    }
    Map<String, Object> status =
        (Map<String, Object>) queue.getAdditionalProperties().get("status");
    List<Map<String, Object>> conditions =
        (List<Map<String, Object>>) status.getOrDefault("conditions", List.of());
    return conditions.stream()
        .anyMatch(c -> "Active".equals(c.get("type")) && "True".equals(c.get("status")));
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
              rig.agent.check();
              FineTuneJob f = get(name);
              return f != null && f.getStatus() != null && ok.test(f.getStatus());
            });
    return get(name).getStatus();
  }

  static Job job(String name) {
    return admin.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  static boolean admitted(String jobName) {
    Job j = job(jobName);
    return j != null && Boolean.FALSE.equals(j.getSpec().getSuspend());
  }

  /** The Workload Kueue made for a Job (owned by it). */
  static Optional<GenericKubernetesResource> workloadOf(String jobName) {
    return admin
        .genericKubernetesResources(KUEUE, "Workload")
        .inNamespace(NS)
        .list()
        .getItems()
        .stream()
        .filter(
            w ->
                w.getMetadata().getOwnerReferences().stream()
                    .anyMatch(o -> "Job".equals(o.getKind()) && jobName.equals(o.getName())))
        .findFirst();
  }

  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> workloadCondition(String jobName, String type) {
    return workloadOf(jobName)
        .flatMap(
            w -> {
              Map<String, Object> status =
                  (Map<String, Object>) w.getAdditionalProperties().get("status");
              if (status == null) {
                return Optional.empty();
              }
              return ((List<Map<String, Object>>) status.getOrDefault("conditions", List.of()))
                  .stream().filter(c -> type.equals(c.get("type"))).findFirst();
            });
  }

  @Test
  @Order(1)
  void theSecondJobWaitsForQuotaVisiblyAndStartsWhenTheFirstEnds() {
    applyQueued("q-first", 10);
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> admitted("q-first-attempt-1"));
    applyQueued("q-second", null);

    // The second job waits: its Job stays suspended, Kueue says why, and so does the job.
    awaitNoQuota("q-second-attempt-1");
    String why =
        String.valueOf(
            workloadCondition("q-second-attempt-1", "QuotaReserved").orElseThrow().get("message"));
    assertTrue(why.contains("quota for cpu"), why);
    FineTuneJobStatus waiting =
        awaitStatus(
            "q-second",
            s ->
                "Pending".equals(s.phase)
                    && StatusBuilder.condition(s, "Ready")
                        .map(Condition::getReason)
                        .filter("Queued"::equals)
                        .isPresent());
    assertEquals("Pending", waiting.phase);
    assertTrue(job("q-second-attempt-1").getSpec().getSuspend(), "held by Kueue");
    String table = cluster.kubectl("get", "ftj", "-n", NS).ok().stdout();
    String row = table.lines().filter(l -> l.startsWith("q-second ")).findFirst().orElseThrow();
    assertTrue(row.contains("Pending") && row.contains("Queued"), table);

    // When the first ends, Kueue admits the second, on the flavor's nodes.
    FineTuneJobStatus first = awaitStatus("q-first", s -> "Succeeded".equals(s.phase));
    assertEquals(1, first.attempts);
    FineTuneJobStatus second = awaitStatus("q-second", s -> "Succeeded".equals(s.phase));
    assertEquals(1, second.attempts, "one attempt, admitted once");
    Instant firstDone = Instant.parse(job("q-first-attempt-1").getStatus().getCompletionTime());
    Instant secondStarted = Instant.parse(job("q-second-attempt-1").getStatus().getStartTime());
    assertFalse(
        secondStarted.isBefore(firstDone),
        "the second started (" + secondStarted + ") after the first finished (" + firstDone + ")");
    List<Pod> pods =
        admin.pods().inNamespace(NS).withLabel(Labels.JOB, "q-second").list().getItems();
    assertTrue(
        !pods.isEmpty()
            && pods.stream().allMatch(p -> NodeAgent.GPU_NODE.equals(p.getSpec().getNodeName())),
        "the flavor's nodeLabels and tolerations, injected by Kueue, placed the pod");
  }

  /**
   * Kueue preempts a running job for one of higher priority (the ClusterQueue's {@code
   * withinClusterQueue: LowerPriority}, the pod's PriorityClass as the Workload's priority): it
   * suspends the running Job, the Job controller stops its pod with SIGTERM, the trainer writes a
   * checkpoint, and once the urgent job is done the preempted job goes on from that checkpoint,
   * without using up its backoffLimit.
   */
  @Test
  @Order(2)
  void aHigherPriorityJobPreemptsARunningOneWhichResumesFromItsCheckpoint() throws Exception {
    // A kubelet reports the stopped pod Failed (exit 143) before it removes it; widen that window
    // past the Job controller's one-second batching so it always sees the Failed pod of its
    // suspended Job, which must not fail the Job (and so start a new Workload at the back).
    rig.agent.lingerAfterTermination(Duration.ofSeconds(3));
    admin
        .resource(
            new PriorityClassBuilder()
                .withNewMetadata()
                .withName("finetune-urgent")
                .endMetadata()
                .withValue(1000)
                .build())
        .serverSideApply();
    applyQueued("q-low", 12);
    awaitCheckpoint("q-low");
    cluster
        .kubectlWithInput(
            rig.yaml(
                "q-urgent",
                rig.data,
                s -> {
                  s.queueName = "finetune";
                  s.priorityClassName = "finetune-urgent";
                  s.training.epochs = 1;
                }),
            "apply",
            "-f",
            "-")
        .ok();

    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> Boolean.TRUE.equals(job("q-low-attempt-1").getSpec().getSuspend()));
    awaitStatus(
        "q-low",
        s ->
            "Pending".equals(s.phase)
                && StatusBuilder.condition(s, "Ready")
                    .map(Condition::getReason)
                    .filter("Queued"::equals)
                    .isPresent());
    String workload = workloadOf("q-low-attempt-1").orElseThrow().getMetadata().getUid();
    FineTuneJobStatus urgent = awaitStatus("q-urgent", s -> "Succeeded".equals(s.phase));
    assertEquals(1, urgent.attempts);
    FineTuneJobStatus low = awaitStatus("q-low", s -> "Succeeded".equals(s.phase));
    assertEquals(
        0,
        low.restarts == null ? 0 : low.restarts,
        "a preemption does not use up backoffLimit: " + low.restarts);
    assertEquals(1, low.preemptions, "the preemption is counted as one");
    assertEquals(2, low.attempts, "the preempted pod and the one that resumed");
    assertEquals(
        List.of("q-low-attempt-1"),
        jobNames("q-low"),
        "Kueue suspended and later resumed the same Job: no new Job");
    assertEquals(
        workload,
        workloadOf("q-low-attempt-1").orElseThrow().getMetadata().getUid(),
        "and the same Workload, which keeps its place");

    Pod last = succeededPodOf("q-low");
    assertResumed(last, "the preempted job went on from its checkpoint");
  }

  /**
   * A retry is not a new Workload that queues again from the back: a queued job's Job replaces its
   * failed pod itself, so the retry keeps the Workload and the quota it holds. A job queued behind
   * it waits until the retried one has finished; as a new Job (a new Workload, queued from the
   * back) the retry would have waited behind it instead.
   */
  @Test
  @Order(3)
  void aRetryKeepsTheWorkloadAndItsPlaceInTheQueue() throws Exception {
    rig.agent.lingerAfterTermination(Duration.ZERO);
    applyQueued("q-retry", 10);
    awaitCheckpoint("q-retry");
    String workload = workloadOf("q-retry-attempt-1").orElseThrow().getMetadata().getUid();
    applyQueued("q-behind", null);
    awaitNoQuota("q-behind-attempt-1");

    // SIGKILL (exit 137, as an OOM kill): a retryable failure that counts against backoffLimit.
    Pod first = runningPodOf("q-retry");
    rig.agent.kill(NS, first.getMetadata().getName());

    FineTuneJobStatus retried = awaitStatus("q-retry", s -> "Succeeded".equals(s.phase));
    assertEquals(1, retried.restarts, "the kill counts against backoffLimit");
    assertEquals(2, retried.attempts);
    assertEquals(List.of("q-retry-attempt-1"), jobNames("q-retry"), "the Job made the retry");
    assertEquals(
        workload,
        workloadOf("q-retry-attempt-1").orElseThrow().getMetadata().getUid(),
        "one Workload across the retry");
    Instant retryDone = Instant.parse(job("q-retry-attempt-1").getStatus().getCompletionTime());
    FineTuneJobStatus behind = awaitStatus("q-behind", s -> "Succeeded".equals(s.phase));
    assertEquals(1, behind.attempts);
    Instant behindStarted = Instant.parse(job("q-behind-attempt-1").getStatus().getStartTime());
    assertFalse(
        behindStarted.isBefore(retryDone),
        "the job queued behind started ("
            + behindStarted
            + ") after the retried one finished ("
            + retryDone
            + "): the retry kept its place");

    Pod last = succeededPodOf("q-retry");
    assertEquals(
        "1",
        last.getMetadata().getAnnotations().get("batch.kubernetes.io/job-index-failure-count"));
    assertResumed(last, "the retry went on from the checkpoint");
  }

  /**
   * spec.suspend on a queued job: its Job would replace a deleted pod, so the operator deletes the
   * Job in the foreground; the pod checkpoints on SIGTERM, the quota is given back, and the resume
   * is a new Job that goes on from the checkpoint.
   */
  @Test
  @Order(4)
  void suspendingAQueuedJobStopsItsJobAndResumeContinues() throws Exception {
    applyQueued("q-pause", 10);
    awaitCheckpoint("q-pause");
    patchSuspend("q-pause", true);
    awaitStatus("q-pause", s -> "Suspended".equals(s.phase));
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              rig.agent.check();
              return jobNames("q-pause").isEmpty()
                  && admin
                      .pods()
                      .inNamespace(NS)
                      .withLabel(Labels.JOB, "q-pause")
                      .list()
                      .getItems()
                      .isEmpty();
            });
    assertEquals("Suspended", get("q-pause").getStatus().phase, "and it stays suspended");
    patchSuspend("q-pause", false);
    FineTuneJobStatus s = awaitStatus("q-pause", st -> "Succeeded".equals(st.phase));
    assertEquals(0, s.restarts == null ? 0 : s.restarts, "a suspension is not a failure");
    assertEquals(List.of("q-pause-attempt-2"), jobNames("q-pause"));
    Pod last = succeededPodOf("q-pause");
    assertResumed(last, "resumed from the checkpoint written on SIGTERM");
  }

  static void patchSuspend(String name, boolean suspend) {
    cluster
        .kubectl(
            "patch",
            "finetunejob",
            name,
            "-n",
            NS,
            "--type=merge",
            "-p",
            "{\"spec\":{\"suspend\":" + suspend + "}}")
        .ok();
  }

  /**
   * kubectl apply of a job in the project's queue; {@code epochs} long enough to hold the quota
   * while something else is looked at (null: the rig's default).
   */
  static void applyQueued(String name, Integer epochs) {
    cluster
        .kubectlWithInput(
            rig.yaml(
                name,
                rig.data,
                s -> {
                  s.queueName = "finetune";
                  if (epochs != null) {
                    s.training.epochs = epochs;
                  }
                }),
            "apply",
            "-f",
            "-")
        .ok();
  }

  /** Until Kueue says the Job's Workload does not fit the quota (QuotaReserved False). */
  static void awaitNoQuota(String jobName) {
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                workloadCondition(jobName, "QuotaReserved")
                    .filter(c -> "False".equals(c.get("status")))
                    .isPresent());
  }

  /** Until the trainer of job {@code name} has written a checkpoint. */
  static void awaitCheckpoint(String name) {
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              rig.agent.check();
              return rig.s3.keys("runs/" + name + "/checkpoints").stream()
                  .anyMatch(k -> k.endsWith("/manifest.json"));
            });
  }

  static Pod succeededPodOf(String ftj) {
    return admin.pods().inNamespace(NS).withLabel(Labels.JOB, ftj).list().getItems().stream()
        .filter(p -> "Succeeded".equals(p.getStatus().getPhase()))
        .findFirst()
        .orElseThrow();
  }

  /** The pod's trainer went on from a checkpoint: its result.json says from which step. */
  static void assertResumed(Pod pod, String why) throws java.io.IOException {
    Path dir = rig.agent.running(NS, pod.getMetadata().getName()).orElseThrow().dir();
    JsonNode result =
        new ObjectMapper().readTree(dir.resolve("volumes/work/out/result.json").toFile());
    assertTrue(
        result.path("finetune").path("resumedFromStep").asLong() > 0,
        why + ": " + result.path("finetune"));
  }

  static List<String> jobNames(String ftj) {
    return admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withLabel(Labels.JOB, ftj)
        .list()
        .getItems()
        .stream()
        .map(j -> j.getMetadata().getName())
        .sorted()
        .toList();
  }

  static Pod runningPodOf(String ftj) {
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                admin.pods().inNamespace(NS).withLabel(Labels.JOB, ftj).list().getItems().stream()
                    .anyMatch(
                        p ->
                            "Running".equals(p.getStatus().getPhase())
                                && rig.agent.running(NS, p.getMetadata().getName()).isPresent()));
    return admin.pods().inNamespace(NS).withLabel(Labels.JOB, ftj).list().getItems().stream()
        .filter(p -> "Running".equals(p.getStatus().getPhase()))
        .findFirst()
        .orElseThrow();
  }
}
