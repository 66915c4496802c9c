package dev.finetune.operator.observe;

import static dev.finetune.operator.Fixtures.job;
import static dev.finetune.operator.Fixtures.runningPod;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.operator.Fixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A queued job's Job replaces its own failed pod (backoffLimitPerIndex), so that a retry keeps the
 * Job's Kueue Workload and its place in the queue. Each pod is one attempt: its number and the
 * restarts and preemptions before it come from the counts the Job controller writes on every new
 * pod, which outlive the pods they count.
 */
class JobRetriesItsPodTest {
  static Job inJob(String ftj, int attempt) {
    return Fixtures.inJob(job(ftj, attempt).build());
  }

  /** The Job controller's counts on a pod, and a distinct name and creation time. */
  static Pod counted(Pod pod, int failures, int ignored, String created) {
    var b =
        new PodBuilder(pod)
            .editMetadata()
            .withName(pod.getMetadata().getName() + "-" + failures + "-" + ignored)
            .withCreationTimestamp(created)
            .addToAnnotations(AttemptReader.FAILURE_COUNT, String.valueOf(failures))
            .endMetadata();
    if (ignored > 0) {
      b.editMetadata()
          .addToAnnotations(AttemptReader.IGNORED_FAILURE_COUNT, String.valueOf(ignored))
          .endMetadata();
    }
    return b.build();
  }

  static Job withFailed(Job job, int failed) {
    return new JobBuilder(job).withNewStatus().withFailed(failed).endStatus().build();
  }

  @Test
  void aFailedPodOfALiveJobIsARetryTheJobMakesItself() {
    Attempt a =
        AttemptReader.read(
            withFailed(inJob("a", 1), 1),
            List.of(counted(terminatedPod("a", 1, 137, null).build(), 0, 0, "t1")));
    assertEquals(AttemptState.FAILED_RETRYABLE, a.state());
    assertTrue(a.retriedByJob(), "the Job makes the next pod, not the operator");
    assertEquals(1, a.number());
    assertEquals(1, a.restarts());
  }

  @Test
  void theNextPodIsTheNextAttemptWithTheEarlierFailuresCounted() {
    Observation obs =
        new Observation(
            List.of(
                AttemptReader.read(
                    withFailed(inJob("a", 1), 1),
                    List.of(
                        counted(terminatedPod("a", 1, 137, null).build(), 0, 0, "t1"),
                        counted(terminatedPod("a", 1, 143, null).build(), 1, 0, "t2"),
                        counted(runningPod("a", 1), 1, 1, "t3")))));
    Attempt a = obs.latest().orElseThrow();
    assertEquals(AttemptState.RUNNING, a.state());
    assertEquals(3, a.number(), "the third pod of the Job");
    assertEquals(3, obs.highestAttempt());
    assertEquals(1, obs.retryableFailures(), "exit 137 counts");
    assertEquals(1, obs.preemptions(), "exit 143 (ignored by the Job) does not");
  }

  @Test
  void countsSurviveThePodsTheyCount() {
    // The failed pods were removed; the running one carries their count.
    Attempt a =
        AttemptReader.read(
            withFailed(inJob("a", 1), 2), List.of(counted(runningPod("a", 1), 2, 0, "t3")));
    assertEquals(3, a.number());
    assertEquals(2, a.restarts());
  }

  @Test
  void aPermanentExitIsPermanentBeforeTheJobSaysSo() {
    Attempt a =
        AttemptReader.read(
            withFailed(inJob("a", 1), 0),
            List.of(counted(terminatedPod("a", 1, 5, "bad dataset").build(), 0, 0, "t1")));
    assertEquals(AttemptState.FAILED_PERMANENT, a.state());
    assertFalse(a.retriedByJob());
  }

  @Test
  void aDisruptedPodIsAPreemption() {
    Pod evicted =
        terminatedPod("a", 1, 143, null)
            .editStatus()
            .addNewCondition()
            .withType("DisruptionTarget")
            .withStatus("True")
            .withReason("EvictionByEvictionAPI")
            .endCondition()
            .endStatus()
            .build();
    Attempt a = AttemptReader.read(inJob("a", 1), List.of(counted(evicted, 0, 0, "t1")));
    assertEquals("Evicted", a.reason());
    assertTrue(a.retriedByJob() && a.preempted());
    assertEquals(0, a.restarts());
  }

  @Test
  void kueuePreemptedItTheJobWaitsInItsQueueWithThePodCounted() {
    Job suspended = new JobBuilder(inJob("a", 1)).editSpec().withSuspend(true).endSpec().build();
    Attempt a =
        AttemptReader.read(
            suspended, List.of(counted(terminatedPod("a", 1, 143, null).build(), 0, 0, "t1")));
    assertEquals(AttemptState.PENDING, a.state());
    assertEquals("Queued", a.reason());
    assertEquals(1, a.preemptions());
    assertEquals(2, a.number(), "the next pod, waiting for its queue");
  }

  @Test
  void pastItsRetriesTheJobFailsAndSoDoesTheAttempt() {
    Job failed =
        new JobBuilder(inJob("a", 1))
            .withNewStatus()
            .withFailed(4)
            .addNewCondition()
            .withType("Failed")
            .withStatus("True")
            .withReason("FailedIndexes")
            .withLastTransitionTime("2026-01-01T00:00:00Z")
            .endCondition()
            .endStatus()
            .build();
    Attempt a =
        AttemptReader.read(
            failed, List.of(counted(terminatedPod("a", 1, 128, null).build(), 3, 0, "t4")));
    assertEquals(AttemptState.FAILED_RETRYABLE, a.state());
    assertFalse(a.retriedByJob(), "the Job is over");
    assertEquals(4, a.restarts());
    assertEquals(4, a.number());
  }

  @Test
  void stoppedForSuspendOnceItsPodsAreGone() {
    Job stopping =
        new JobBuilder(inJob("a", 1))
            .editMetadata()
            .addToAnnotations(Labels.STOPPED_BY, Labels.STOPPED_BY_SUSPEND)
            .withDeletionTimestamp("2026-01-01T00:00:00Z")
            .endMetadata()
            .build();
    Pod ended = counted(terminatedPod("a", 1, 143, null).build(), 0, 0, "t1");
    assertEquals(
        AttemptState.STOPPED_BY_SUSPEND, AttemptReader.read(stopping, List.of(ended)).state());
    Attempt stillRunning =
        AttemptReader.read(stopping, List.of(counted(runningPod("a", 1), 0, 0, "t1")));
    assertEquals(AttemptState.RUNNING, stillRunning.state());
    assertTrue(stillRunning.stopRequested());
  }
}
