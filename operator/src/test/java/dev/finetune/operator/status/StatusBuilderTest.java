package dev.finetune.operator.status;

import static dev.finetune.operator.Fixtures.failedJob;
import static dev.finetune.operator.Fixtures.ftj;
import static dev.finetune.operator.Fixtures.job;
import static dev.finetune.operator.Fixtures.runningPod;
import static dev.finetune.operator.Fixtures.succeededJob;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Conditions;
import dev.finetune.contract.Phase;
import dev.finetune.operator.observe.CheckpointSelector;
import dev.finetune.operator.observe.JobObserver;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.observe.StorageObservation;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusBuilderTest {
  static final Instant NOW = Instant.parse("2026-02-01T12:00:00Z");
  static final String AT = "2026-02-01T11:59:00Z";
  static final Validation VALID = new Validation.Valid(null);

  static Observation obs(List<Job> jobs, Pod... pods) {
    return JobObserver.observe(
        jobs,
        Stream.of(pods)
            .collect(
                java.util.stream.Collectors.groupingBy(
                    p -> p.getMetadata().getLabels().get(Labels.ATTEMPT))));
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, ftj, observation, validation, phase, true condition (or Running reason), message
        // part
        Arguments.of(
            "nothing yet",
            ftj("a").obj(),
            obs(List.of()),
            VALID,
            Phase.PENDING,
            "Creating",
            "first trainer attempt"),
        Arguments.of(
            "invalid spec",
            ftj("a").obj(),
            obs(List.of()),
            new Validation.Invalid("spec.dataset.train", "scheme 'ftp' is not supported"),
            Phase.FAILED,
            "InvalidSpec",
            "spec.dataset.train: scheme 'ftp'"),
        Arguments.of(
            "waiting for source",
            ftj("a").obj(),
            obs(List.of()),
            new Validation.Waiting("WaitingForSource", "waiting for FineTuneJob 'src'"),
            Phase.PENDING,
            "WaitingForSource",
            "'src'"),
        Arguments.of(
            "running",
            ftj("a").obj(),
            obs(List.of(job("a", 1).build()), runningPod("a", 1)),
            VALID,
            Phase.RUNNING,
            "PodRunning",
            "attempt 1 is running"),
        Arguments.of(
            "queued by kueue",
            ftj("a").obj(),
            obs(List.of(job("a", 1).editSpec().withSuspend(true).endSpec().build())),
            VALID,
            Phase.PENDING,
            "Queued",
            "queue"),
        Arguments.of(
            "succeeded",
            ftj("a").obj(),
            obs(List.of(succeededJob("a", 1))),
            VALID,
            Phase.SUCCEEDED,
            "Completed",
            "attempt 1 completed"),
        Arguments.of(
            "exit 3 fails with the trainer's message",
            ftj("a").obj(),
            obs(
                List.of(failedJob("a", 1, AT)),
                terminatedPod("a", 1, 3, "spec.training.epochs: must be in [1, 10000], got 0")
                    .build()),
            VALID,
            Phase.FAILED,
            "PermanentFailure",
            "attempt 1 exited with code 3: spec.training.epochs: must be in [1, 10000], got 0"),
        Arguments.of(
            "exit 143 restarts",
            ftj("a").obj(),
            obs(List.of(failedJob("a", 1, AT)), terminatedPod("a", 1, 143, null).build()),
            VALID,
            Phase.PENDING,
            "Restarting",
            "attempt 2 resumes"),
        Arguments.of(
            "retries exhausted",
            ftj("a").spec(s -> s.backoffLimit = 1).obj(),
            obs(List.of(failedJob("a", 1, AT), failedJob("a", 2, AT))),
            VALID,
            Phase.FAILED,
            "BackoffLimitExceeded",
            "2 retryable failures exceed spec.backoffLimit=1"),
        Arguments.of(
            "suspending a running attempt",
            ftj("a").suspend(true).obj(),
            obs(List.of(job("a", 1).build()), runningPod("a", 1)),
            VALID,
            Phase.SUSPENDED,
            "Suspending",
            "stopping attempt 1"),
        Arguments.of(
            "suspended",
            ftj("a").suspend(true).obj(),
            obs(List.of(stopped(failedJob("a", 1, AT)))),
            VALID,
            Phase.SUSPENDED,
            "Suspended",
            "set it to false"),
        Arguments.of(
            "resuming",
            ftj("a").obj(),
            obs(List.of(stopped(failedJob("a", 1, AT)))),
            VALID,
            Phase.PENDING,
            "Resuming",
            "attempt 2"),
        Arguments.of(
            "terminal stays terminal when Jobs are gone (ttl)",
            ftj("a")
                .status(
                    s -> {
                      s.phase = "Succeeded";
                      s.attempts = 1;
                    })
                .obj(),
            obs(List.of()),
            VALID,
            Phase.SUCCEEDED,
            null,
            null));
  }

  static Job stopped(Job job) {
    return new JobBuilder(job)
        .editMetadata()
        .addToAnnotations(Labels.STOPPED_BY, Labels.STOPPED_BY_SUSPEND)
        .endMetadata()
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void buildsPhaseAndConditions(
      String name,
      FineTuneJob ftj,
      Observation obs,
      Validation v,
      Phase phase,
      String reason,
      String messagePart) {
    FineTuneJobStatus s = StatusBuilder.build(ftj, obs, v, NOW);
    assertEquals(phase.label(), s.phase);
    assertEquals(1L, s.observedGeneration);
    if (reason == null) {
      return;
    }
    Condition c =
        s.conditions.stream()
            .filter(x -> "True".equals(x.getStatus()))
            .filter(x -> LIFECYCLE.contains(x.getType()))
            .findFirst()
            .orElseGet(() -> StatusBuilder.condition(s, Conditions.RUNNING).orElseThrow());
    assertEquals(reason, c.getReason());
    assertTrue(c.getMessage().contains(messagePart), c.getMessage());
    assertEquals(
        8,
        s.conditions.size(),
        "4 lifecycle conditions, Ready, Reconciling, Stalled,"
            + " and StorageReachable=Unknown (NoCredentials: the fixture's s3:// checkpoints have no"
            + " credentialsSecret)");
    assertEquals(phase, StatusBuilder.phase(s.conditions), "phase derives from conditions");
    assertTrue(s.conditions.stream().allMatch(x -> x.getObservedGeneration() == 1L));
  }

  static final java.util.Set<String> LIFECYCLE =
      java.util.Set.of(
          Conditions.RUNNING, Conditions.SUSPENDED, Conditions.SUCCEEDED, Conditions.FAILED);

  @Test
  void countsAttemptsAndRestartsAndSetsTheModelUri() {
    FineTuneJobStatus s =
        StatusBuilder.build(
            ftj("a").obj(), obs(List.of(failedJob("a", 1, AT), succeededJob("a", 2))), VALID, NOW);
    assertEquals(2, s.attempts);
    assertEquals(1, s.restarts);
    assertEquals("a-attempt-2", s.currentJob);
    assertEquals("s3://ckpt/a/model/model.safetensors", s.finalModelUri);
    assertEquals(
        "s3://ckpt/a/model/README.md", s.modelCardUri, "the model card, linked from status");
  }

  @Test
  void progressAndAccuracyComeFromTheTrainersGauges() {
    Observation running = obs(List.of(job("a", 1).build()), runningPod("a", 1));
    Observation withMetrics =
        new Observation(
            running.attempts(),
            java.util.Optional.of(
                dev.finetune.operator.observe.TrainerMetrics.parse(
                    dev.finetune.operator.observe.TrainerMetricsTest.SAMPLE)));
    FineTuneJobStatus s = StatusBuilder.build(ftj("a").obj(), withMetrics, VALID, NOW);
    assertEquals(3, s.progress.epoch);
    assertEquals(10, s.progress.totalEpochs);
    assertEquals(120L, s.progress.step);
    assertEquals(30, s.progress.percentage);
    assertEquals(96L, s.progress.estimatedRemainingSeconds);
    assertEquals("0.4123", s.metrics.trainLoss);
    assertEquals("0.8421", s.metrics.testAccuracy);
    assertEquals("512.25", s.metrics.imagesPerSecond);
    assertEquals("0.8125", s.metrics.validationAccuracy);
    assertEquals("0.5123", s.metrics.validationLoss);
    assertEquals(2, s.metrics.validationEpoch);
    assertEquals(null, s.baseline, "baseline has no finite accuracy yet");
    var a = ftj("a").obj();
    a.setStatus(s);
    FineTuneJobStatus later =
        StatusBuilder.build(a, obs(List.of(succeededJob("a", 1))), VALID, NOW);
    assertEquals("0.8421", later.metrics.testAccuracy, "kept after the pod is gone");
  }

  @Test
  void keepsLastTransitionTimeUnlessTheStatusChanges() {
    FineTuneJob a = ftj("a").obj();
    Observation running = obs(List.of(job("a", 1).build()), runningPod("a", 1));
    FineTuneJobStatus first = StatusBuilder.build(a, running, VALID, NOW);
    a.setStatus(first);
    FineTuneJobStatus again = StatusBuilder.build(a, running, VALID, NOW.plusSeconds(60));
    assertTrue(StatusBuilder.same(first, again), "nothing changed: no write");
    a.setStatus(again);
    FineTuneJobStatus done =
        StatusBuilder.build(a, obs(List.of(succeededJob("a", 1))), VALID, NOW.plusSeconds(120));
    Map<String, String> times =
        Map.of(
            Conditions.RUNNING,
            NOW.plusSeconds(120).toString(),
            Conditions.SUCCEEDED,
            NOW.plusSeconds(120).toString(),
            Conditions.FAILED,
            NOW.toString(),
            Conditions.SUSPENDED,
            NOW.toString(),
            "Ready",
            NOW.plusSeconds(120).toString(),
            "Reconciling",
            NOW.plusSeconds(120).toString(),
            "Stalled",
            NOW.toString(),
            Conditions.STORAGE_REACHABLE,
            NOW.toString());
    for (Condition c : done.conditions) {
      assertEquals(times.get(c.getType()), c.getLastTransitionTime(), c.getType());
    }
  }

  static final Instant LATER = NOW.plusSeconds(60);

  static dev.finetune.api.v1alpha1.status.CheckpointRef ckpt(long step) {
    var c = new dev.finetune.api.v1alpha1.status.CheckpointRef();
    c.uri = "s3://ckpt/a/checkpoints/ckpt-" + step;
    c.step = step;
    c.epoch = (int) step / 5;
    c.time = AT;
    return c;
  }

  static StorageObservation answered(Long step, String digest) {
    var lineage = new dev.finetune.api.v1alpha1.status.Lineage();
    lineage.datasetDigest = digest;
    return StorageObservation.answered(
        new CheckpointSelector.Selection(
            java.util.Optional.ofNullable(step).map(StatusBuilderTest::ckpt), List.of()),
        java.util.Optional.ofNullable(digest).map(d -> lineage));
  }

  /** A previous status: Running (or phase), with checkpoint 5 and a StorageReachable condition. */
  static java.util.function.Consumer<FineTuneJobStatus> before(String phase, String reachable) {
    return s -> {
      s.phase = phase;
      s.attempts = 1;
      s.latestCheckpoint = ckpt(5);
      s.conditions =
          new java.util.ArrayList<>(
              StatusBuilder.conditions(
                  new StatusBuilder.Verdict(phase, "PodRunning", "m"), null, 1L, NOW));
      if (reachable != null) {
        s.conditions.add(
            new io.fabric8.kubernetes.api.model.ConditionBuilder()
                .withType(Conditions.STORAGE_REACHABLE)
                .withStatus(reachable)
                .withReason("R")
                .withMessage("old")
                .withObservedGeneration(1L)
                .withLastTransitionTime(NOW.toString())
                .build());
      }
    };
  }

  static Stream<Arguments> storageCases() {
    Observation running = obs(List.of(job("a", 1).build()), runningPod("a", 1));
    Observation done = obs(List.of(succeededJob("a", 1)));
    var none = StorageObservation.NOT_OBSERVED;
    var down = StorageObservation.unreachable("cannot list s3://ckpt/a/checkpoints/: refused");
    return Stream.of(
        // name, ftj, observation, storage, StorageReachable status (null: absent), its reason,
        // its lastTransitionTime, latest step, dataset digest, phase
        Arguments.of(
            "never read: no condition",
            ftj("a").spec(s -> s.checkpoints.credentialsSecret = "s3-creds").obj(),
            running,
            none,
            null,
            null,
            null,
            null,
            null,
            Phase.RUNNING),
        Arguments.of(
            "answered with a checkpoint",
            ftj("a").obj(),
            running,
            answered(10L, null),
            "True",
            "StorageAnswered",
            LATER,
            10L,
            null,
            Phase.RUNNING),
        Arguments.of(
            "answered, no valid checkpoint",
            ftj("a").status(before("Running", "True")).obj(),
            running,
            answered(null, null),
            "True",
            "StorageAnswered",
            NOW,
            null,
            null,
            Phase.RUNNING),
        Arguments.of(
            "unreachable keeps the last checkpoint",
            ftj("a").status(before("Running", "True")).obj(),
            running,
            down,
            "False",
            "StorageUnreachable",
            LATER,
            5L,
            null,
            Phase.RUNNING),
        Arguments.of(
            "not read this time keeps condition and checkpoint",
            ftj("a").status(before("Running", "False")).obj(),
            running,
            none,
            "False",
            "R",
            NOW,
            5L,
            null,
            Phase.RUNNING),
        Arguments.of(
            "answers again: the condition clears",
            ftj("a").status(before("Running", "False")).obj(),
            running,
            answered(10L, null),
            "True",
            "StorageAnswered",
            LATER,
            10L,
            null,
            Phase.RUNNING),
        Arguments.of(
            "the final listing reaches the finished job's status",
            ftj("a").status(before("Running", "True")).obj(),
            done,
            answered(15L, "sha256:d"),
            "True",
            "StorageAnswered",
            NOW,
            15L,
            "sha256:d",
            Phase.SUCCEEDED),
        Arguments.of(
            "a frozen finished status still takes a later listing",
            ftj("a").status(before("Succeeded", "False")).obj(),
            obs(List.of()),
            answered(15L, "sha256:d"),
            "True",
            "StorageAnswered",
            LATER,
            15L,
            "sha256:d",
            Phase.SUCCEEDED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storageCases")
  void storageFieldsAndCondition(
      String name,
      FineTuneJob ftj,
      Observation obs,
      StorageObservation storage,
      String reachable,
      String reason,
      Instant since,
      Long step,
      String digest,
      Phase phase) {
    FineTuneJobStatus s = StatusBuilder.build(ftj, obs.withStorage(storage), VALID, LATER);
    assertEquals(phase.label(), s.phase);
    var c = StatusBuilder.condition(s, Conditions.STORAGE_REACHABLE);
    assertEquals(reachable, c.map(Condition::getStatus).orElse(null));
    if (reachable != null) {
      assertEquals(reason, c.get().getReason());
      assertEquals(since.toString(), c.get().getLastTransitionTime());
      if (storage == StorageObservation.NOT_OBSERVED) {
        assertEquals("old", c.get().getMessage());
      } else {
        assertEquals(storage.reachable() ? "" : storage.error(), c.get().getMessage());
      }
    }
    assertEquals(step, s.latestCheckpoint == null ? null : s.latestCheckpoint.step);
    assertEquals(digest, s.lineage == null ? null : s.lineage.datasetDigest);
    assertEquals(phase, StatusBuilder.phase(s.conditions), "StorageReachable leaves phase alone");
    assertEquals(
        1,
        s.conditions.stream()
            .filter(x -> "True".equals(x.getStatus()) && LIFECYCLE.contains(x.getType()))
            .count());
  }

  @Test
  void finishesOnlyWhenThisObservationEndsTheJob() {
    assertTrue(StatusBuilder.finishes(ftj("a").obj(), obs(List.of(succeededJob("a", 1)))));
    assertTrue(
        !StatusBuilder.finishes(
            ftj("a").obj(), obs(List.of(job("a", 1).build()), runningPod("a", 1))));
    assertTrue(
        !StatusBuilder.finishes(
            ftj("a").status(before("Succeeded", "True")).obj(), obs(List.of(succeededJob("a", 1)))),
        "already finished");
  }
}
