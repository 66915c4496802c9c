package dev.finetune.operator.status;

import static dev.finetune.operator.Fixtures.failedJob;
import static dev.finetune.operator.Fixtures.ftj;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static dev.finetune.operator.status.StatusBuilderTest.AT;
import static dev.finetune.operator.status.StatusBuilderTest.NOW;
import static dev.finetune.operator.status.StatusBuilderTest.VALID;
import static dev.finetune.operator.status.StatusBuilderTest.obs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Conditions;
import dev.finetune.operator.act.AttemptPlanner;
import dev.finetune.operator.act.Plan;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Preemptions are counted apart and never use up backoffLimit; trainer failures do. */
class PreemptionTest {
  static Pod disrupted(int attempt, String reason) {
    return new PodBuilder(terminatedPod("a", attempt, 143, null).build())
        .editStatus()
        .addNewCondition()
        .withType("DisruptionTarget")
        .withStatus("True")
        .withReason(reason)
        .endCondition()
        .endStatus()
        .build();
  }

  @Test
  void preemptionsBeyondBackoffLimitStillRetry() {
    var ftj = ftj("a").spec(s -> s.backoffLimit = 1).obj();
    Pod[] pods = {
      terminatedPod("a", 1, 143, null).build(),
      disrupted(2, "PreemptionByScheduler"),
      disrupted(3, "EvictionByEvictionAPI"),
      new PodBuilder(terminatedPod("a", 4, 137, null).build())
          .editStatus()
          .withReason("Evicted")
          .endStatus()
          .build()
    };
    var jobs = IntStream.rangeClosed(1, 4).mapToObj(n -> failedJob("a", n, AT)).toList();
    FineTuneJobStatus s = StatusBuilder.build(ftj, obs(jobs, pods), VALID, NOW);
    assertEquals("Pending", s.phase);
    assertEquals(4, s.preemptions);
    assertEquals(0, s.restarts);
    String message = StatusBuilder.condition(s, Conditions.RUNNING).orElseThrow().getMessage();
    assertTrue(message.contains("a preemption does not count"), message);
    Plan plan =
        AttemptPlanner.plan(
            ftj,
            obs(jobs, pods),
            VALID,
            s,
            NOW.plusSeconds(3600),
            Duration.ofSeconds(1),
            Duration.ofSeconds(10));
    assertEquals(new Plan.CreateAttempt(5), plan);
  }

  @Test
  void trainerFailuresStillExhaustBackoffLimitWithPreemptionsInBetween() {
    var ftj = ftj("a").spec(s -> s.backoffLimit = 1).obj();
    var jobs = IntStream.rangeClosed(1, 3).mapToObj(n -> failedJob("a", n, AT)).toList();
    FineTuneJobStatus s =
        StatusBuilder.build(
            ftj,
            obs(
                jobs,
                terminatedPod("a", 1, 129, null).build(),
                disrupted(2, "PreemptionByScheduler"),
                terminatedPod("a", 3, 128, "error: out of memory in libtorch").build()),
            VALID,
            NOW);
    assertEquals("Failed", s.phase);
    assertEquals(2, s.restarts);
    assertEquals(1, s.preemptions);
    assertEquals(
        "BackoffLimitExceeded",
        StatusBuilder.condition(s, Conditions.FAILED).orElseThrow().getReason());
  }

  @Test
  void noPreemptionNoField() {
    FineTuneJobStatus s = StatusBuilder.build(ftj("a").obj(), obs(List.of()), VALID, NOW);
    assertEquals(null, s.preemptions);
  }
}
