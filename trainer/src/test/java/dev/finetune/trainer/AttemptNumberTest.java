package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The finetune_attempt metric's number: the operator's FINETUNE_ATTEMPT, plus, for a queued job
 * whose Job replaces its own failed pod, the Job controller's counts of the pods before this one
 * (empty for its first pod).
 */
class AttemptNumberTest {
  @Test
  void localRunsAreAttemptOne() {
    assertEquals(1, JobRunner.attempt(Map.of()));
    assertEquals(1, JobRunner.attempt(Map.of("FINETUNE_ATTEMPT", "x")));
  }

  @Test
  void theOperatorsNumber() {
    assertEquals(4, JobRunner.attempt(Map.of("FINETUNE_ATTEMPT", "4")));
  }

  @Test
  void garbledCountsAreIgnored() {
    assertEquals(
        2,
        JobRunner.attempt(
            Map.of(
                "FINETUNE_ATTEMPT", "2",
                "FINETUNE_JOB_FAILURES", "x",
                "FINETUNE_JOB_IGNORED_FAILURES", "-3")));
  }

  @Test
  void aJobsReplacedPodsAreAdded() {
    assertEquals(
        2,
        JobRunner.attempt(
            Map.of(
                "FINETUNE_ATTEMPT", "2",
                "FINETUNE_JOB_FAILURES", "",
                "FINETUNE_JOB_IGNORED_FAILURES", "")));
    assertEquals(
        5,
        JobRunner.attempt(
            Map.of(
                "FINETUNE_ATTEMPT", "2",
                "FINETUNE_JOB_FAILURES", "1",
                "FINETUNE_JOB_IGNORED_FAILURES", "2")));
  }
}
