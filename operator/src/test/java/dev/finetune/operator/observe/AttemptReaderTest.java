package dev.finetune.operator.observe;

import static dev.finetune.operator.Fixtures.failedJob;
import static dev.finetune.operator.Fixtures.job;
import static dev.finetune.operator.Fixtures.runningPod;
import static dev.finetune.operator.Fixtures.succeededJob;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AttemptReaderTest {
  static final String AT = "2026-01-01T00:00:00Z";

  static Stream<Arguments> cases() {
    Job failed = failedJob("a", 1, AT);
    return Stream.of(
        Arguments.of(
            "no pod yet", job("a", 1).build(), List.of(), AttemptState.PENDING, "PodPending"),
        Arguments.of(
            "running",
            job("a", 1).build(),
            List.of(runningPod("a", 1)),
            AttemptState.RUNNING,
            "PodRunning"),
        Arguments.of(
            "trainer ended, Job not concluded yet: still running (no Pending flap)",
            job("a", 1).build(),
            List.of(terminatedPod("a", 1, 0, "{}").build()),
            AttemptState.RUNNING,
            "PodEnded"),
        Arguments.of(
            "image never built: the kubelet's reason, not a silent PodPending",
            job("a", 1).build(),
            List.of(
                new io.fabric8.kubernetes.api.model.PodBuilder(runningPod("a", 1))
                    .editStatus()
                    .withPhase("Pending")
                    .addNewContainerStatus()
                    .withName(Labels.TRAINER_CONTAINER)
                    .withNewState()
                    .withNewWaiting()
                    .withReason("ErrImageNeverPull")
                    .withMessage(
                        "Container image \"t:1\" is not" + " present with pull policy of Never")
                    .endWaiting()
                    .endState()
                    .endContainerStatus()
                    .endStatus()
                    .build()),
            AttemptState.PENDING,
            "ErrImageNeverPull"),
        Arguments.of(
            "kueue holds it",
            job("a", 1).editSpec().withSuspend(true).endSpec().build(),
            List.of(),
            AttemptState.PENDING,
            "Queued"),
        Arguments.of(
            "succeeded", succeededJob("a", 1), List.of(), AttemptState.SUCCEEDED, "Completed"),
        Arguments.of(
            "exit 3 is permanent",
            failed,
            List.of(
                terminatedPod("a", 1, 3, "spec.training.epochs: must be in [1, 10000]").build()),
            AttemptState.FAILED_PERMANENT,
            "ExitCode3"),
        Arguments.of(
            "exit 127 is permanent",
            failed,
            List.of(terminatedPod("a", 1, 127, "").build()),
            AttemptState.FAILED_PERMANENT,
            "ExitCode127"),
        Arguments.of(
            "exit 128 retries",
            failed,
            List.of(terminatedPod("a", 1, 128, "oom").build()),
            AttemptState.FAILED_RETRYABLE,
            "ExitCode128"),
        Arguments.of(
            "exit 143 (SIGTERM, checkpointed) retries",
            failed,
            List.of(terminatedPod("a", 1, 143, null).build()),
            AttemptState.FAILED_RETRYABLE,
            "Terminated"),
        Arguments.of(
            "exit 137 (SIGKILL: OOM kill, node loss) retries",
            failed,
            List.of(terminatedPod("a", 1, 137, null).build()),
            AttemptState.FAILED_RETRYABLE,
            "ExitCode137"),
        Arguments.of(
            "OOM-killed (the kubelet's reason) retries and says so",
            failed,
            List.of(
                new io.fabric8.kubernetes.api.model.PodBuilder(
                        terminatedPod("a", 1, 137, null).build())
                    .editStatus()
                    .editFirstContainerStatus()
                    .editState()
                    .editTerminated()
                    .withReason("OOMKilled")
                    .endTerminated()
                    .endState()
                    .endContainerStatus()
                    .endStatus()
                    .build()),
            AttemptState.FAILED_RETRYABLE,
            "OOMKilled"),
        Arguments.of(
            "exit 129 (storage unavailable) retries",
            failed,
            List.of(terminatedPod("a", 1, 129, null).build()),
            AttemptState.FAILED_RETRYABLE,
            "ExitCode129"),
        Arguments.of(
            "exit 134 (SIGABRT from libtorch) is permanent",
            failed,
            List.of(terminatedPod("a", 1, 134, null).build()),
            AttemptState.FAILED_PERMANENT,
            "ExitCode134"),
        Arguments.of(
            "exit 139 (SIGSEGV) is permanent",
            failed,
            List.of(terminatedPod("a", 1, 139, "").build()),
            AttemptState.FAILED_PERMANENT,
            "ExitCode139"),
        Arguments.of(
            "exit 136 (SIGFPE) is permanent",
            failed,
            List.of(terminatedPod("a", 1, 136, null).build()),
            AttemptState.FAILED_PERMANENT,
            "ExitCode136"),
        Arguments.of(
            "evicted retries even with exit 1",
            failed,
            List.of(
                terminatedPod("a", 1, 1, null)
                    .editStatus()
                    .withReason("Evicted")
                    .endStatus()
                    .build()),
            AttemptState.FAILED_RETRYABLE,
            "Evicted"),
        Arguments.of(
            "preempted retries",
            failed,
            List.of(
                terminatedPod("a", 1, 137, null)
                    .editStatus()
                    .addNewCondition()
                    .withType("DisruptionTarget")
                    .withStatus("True")
                    .withReason("PreemptionByScheduler")
                    .endCondition()
                    .endStatus()
                    .build()),
            AttemptState.FAILED_RETRYABLE,
            "Preempted"),
        Arguments.of(
            "Job failed before the cache saw its pod end: wait for the exit code",
            failed,
            List.of(runningPod("a", 1)),
            AttemptState.RUNNING,
            "PodEnding"),
        Arguments.of(
            "pod gone retries", failed, List.of(), AttemptState.FAILED_RETRYABLE, "PodMissing"),
        Arguments.of(
            "pod gone, the Job says it was preempted",
            byPolicy(
                "Pod ns/a-attempt-1-x has condition DisruptionTarget matching FailJob rule at index 0"),
            List.of(),
            AttemptState.FAILED_RETRYABLE,
            "Preempted"),
        Arguments.of(
            "pod gone, the Job says SIGTERM",
            byPolicy(
                "Container trainer for pod"
                    + " ns/a-attempt-1-x failed with exit code 143 matching FailJob rule at index 1"),
            List.of(),
            AttemptState.FAILED_RETRYABLE,
            "Terminated"),
        Arguments.of(
            "stopped for suspend",
            new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder(failed)
                .editMetadata()
                .addToAnnotations(Labels.STOPPED_BY, Labels.STOPPED_BY_SUSPEND)
                .endMetadata()
                .build(),
            List.of(terminatedPod("a", 1, 143, null).build()),
            AttemptState.STOPPED_BY_SUSPEND,
            "Suspended"));
  }

  /** A Job failed by its podFailurePolicy, as the Job controller writes it. */
  static Job byPolicy(String message) {
    return job("a", 1)
        .withNewStatus()
        .withFailed(1)
        .addNewCondition()
        .withType("Failed")
        .withStatus("True")
        .withReason("PodFailurePolicy")
        .withMessage(message)
        .withLastTransitionTime("2026-01-01T00:00:00Z")
        .endCondition()
        .endStatus()
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void classifies(String name, Job job, List<Pod> pods, AttemptState state, String reason) {
    Attempt a = AttemptReader.read(job, pods);
    assertEquals(state, a.state());
    assertEquals(reason, a.reason());
    assertEquals(1, a.number());
  }

  @org.junit.jupiter.api.Test
  void aNativeAbortSaysSoInsteadOfLookingRetryable() {
    Attempt a =
        AttemptReader.read(
            failedJob("a", 1, AT), List.of(terminatedPod("a", 1, 134, null).build()));
    assertEquals(AttemptState.FAILED_PERMANENT, a.state());
    org.junit.jupiter.api.Assertions.assertTrue(a.message().contains("SIGABRT"), a.message());
  }

  @org.junit.jupiter.api.Test
  void theTrainersErrorLineIsTakenFromALogTail() {
    String tail =
        "[main] INFO JobRunner - job x: training on cpu()\n"
            + "error: train and test have different class folders\n"
            + "exit code 5 (DATASET_INVALID, permanent)\n";
    assertEquals("train and test have different class folders", AttemptReader.trainerMessage(tail));
    assertEquals(
        "spec.training.epochs: must be in [1, 10000]",
        AttemptReader.trainerMessage("spec.training.epochs: must be in [1, 10000]\n"));
    assertEquals(null, AttemptReader.trainerMessage(" \n"));
  }
}
