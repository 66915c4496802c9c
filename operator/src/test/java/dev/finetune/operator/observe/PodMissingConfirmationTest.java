package dev.finetune.operator.observe;

import static dev.finetune.operator.Fixtures.failedJob;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A failed attempt whose pod the informer cache has not seen is confirmed against the API server
 * before it is retried: the Job informer can run ahead of the pod informer (found by the load
 * drill: a permanent exit 5 was run a second time after an operator restart).
 */
class PodMissingConfirmationTest {
  static final Job FAILED =
      new JobBuilder(failedJob("a", 1, "2026-01-01T00:00:00Z"))
          .editMetadata()
          .withUid("job-uid")
          .endMetadata()
          .build();

  static Pod exited(int code) {
    return terminatedPod("a", 1, code, "error: dataset invalid")
        .editMetadata()
        .addNewOwnerReference()
        .withKind("Job")
        .withName("a-attempt-1")
        .withUid("job-uid")
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .build();
  }

  static Observation confirm(List<Pod> cachedPods, List<Pod> livePods, List<Integer> asked) {
    Map<String, List<Pod>> cached = Map.of("1", cachedPods);
    Observation obs = JobObserver.observe(List.of(FAILED), cached);
    return JobObserver.confirmPodMissing(
        obs,
        List.of(FAILED),
        cached,
        n -> {
          asked.add(n);
          return livePods;
        });
  }

  @Test
  void aPermanentExitTheCacheHasNotSeenIsNotRetried() {
    List<Integer> asked = new ArrayList<>();
    Attempt a = confirm(List.of(), List.of(exited(5)), asked).latest().orElseThrow();
    assertEquals(List.of(1), asked);
    assertEquals(AttemptState.FAILED_PERMANENT, a.state());
    assertEquals("ExitCode5", a.reason());
  }

  @Test
  void aPodGoneFromTheApiServerTooIsRetried() {
    List<Integer> asked = new ArrayList<>();
    Attempt a = confirm(List.of(), List.of(), asked).latest().orElseThrow();
    assertEquals(List.of(1), asked);
    assertEquals(AttemptState.FAILED_RETRYABLE, a.state());
    assertEquals(AttemptReader.POD_MISSING, a.reason());
  }

  @Test
  void anotherJobsPodWithTheSameLabelsDoesNotCount() {
    Pod stranger =
        terminatedPod("a", 1, 5, null)
            .editMetadata()
            .addNewOwnerReference()
            .withKind("Job")
            .withName("a-attempt-1")
            .withUid("old-uid")
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .build();
    Attempt a = confirm(List.of(), List.of(stranger), new ArrayList<>()).latest().orElseThrow();
    assertEquals(AttemptReader.POD_MISSING, a.reason());
  }

  @Test
  void theApiServerIsNotAskedWhenTheCacheExplainsTheFailure() {
    List<Integer> asked = new ArrayList<>();
    Attempt a = confirm(List.of(exited(137)), List.of(), asked).latest().orElseThrow();
    assertEquals(List.of(), asked);
    assertEquals(AttemptState.FAILED_RETRYABLE, a.state());
  }
}
