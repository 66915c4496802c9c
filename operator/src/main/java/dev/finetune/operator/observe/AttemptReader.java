package dev.finetune.operator.observe;

import dev.finetune.contract.ExitCode;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads one trainer Job and its pods into an {@link Attempt}. Pure: no API calls. */
public final class AttemptReader {
  /** The reason of a failed attempt whose pod, and so its exit code, is gone. */
  public static final String POD_MISSING = "PodMissing";

  private AttemptReader() {}

  public static Attempt read(Job job, List<Pod> pods) {
    String name = job.getMetadata().getName();
    int number = attemptNumber(job);
    List<String> active =
        pods.stream()
            .filter(p -> !isTerminal(p) && p.getMetadata().getDeletionTimestamp() == null)
            .map(p -> p.getMetadata().getName())
            .sorted()
            .toList();
    Optional<JobCondition> complete = condition(job, "Complete");
    Optional<JobCondition> failed = condition(job, "Failed");
    boolean stoppedBySuspend =
        Labels.STOPPED_BY_SUSPEND.equals(annotations(job).get(Labels.STOPPED_BY));
    Optional<Pod> lastPod =
        pods.stream()
            .max(
                Comparator.comparing(
                    p ->
                        p.getMetadata().getCreationTimestamp() == null
                            ? ""
                            : p.getMetadata().getCreationTimestamp()));
    Optional<ContainerStateTerminated> terminated =
        lastPod.flatMap(AttemptReader::trainerTerminated);
    Integer exitCode = terminated.map(ContainerStateTerminated::getExitCode).orElse(null);

    if (complete.isPresent()
        || (job.getStatus() != null && positive(job.getStatus().getSucceeded()))) {
      // The message of a successful trainer is its final result (FinalResult), kept verbatim.
      return new Attempt(
          number,
          name,
          AttemptState.SUCCEEDED,
          0,
          "Completed",
          terminated.map(ContainerStateTerminated::getMessage).orElse(null),
          time(
              complete
                  .map(JobCondition::getLastTransitionTime)
                  .orElse(job.getStatus().getCompletionTime())),
          active,
          stoppedBySuspend);
    }
    if (failed.isPresent() || (job.getStatus() != null && positive(job.getStatus().getFailed()))) {
      Instant at = time(failed.map(JobCondition::getLastTransitionTime).orElse(null));
      if (stoppedBySuspend) {
        return new Attempt(
            number,
            name,
            AttemptState.STOPPED_BY_SUSPEND,
            exitCode,
            "Suspended",
            "stopped because spec.suspend is true",
            at,
            active,
            stoppedBySuspend);
      }
      Optional<String> disruption =
          lastPod
              .flatMap(AttemptReader::disruption)
              .or(() -> failed.flatMap(AttemptReader::podFailurePolicy));
      if (disruption.isPresent()) {
        return new Attempt(
            number,
            name,
            AttemptState.FAILED_RETRYABLE,
            exitCode,
            disruption.get(),
            lastPod
                .map(AttemptReader::podMessage)
                .orElse(failed.map(JobCondition::getMessage).orElse(null)),
            at,
            active,
            stoppedBySuspend);
      }
      if (exitCode == null && lastPod.filter(p -> !isTerminal(p)).isPresent()) {
        // The Job controller concludes only after its pod ended, so a pod that looks alive here
        // is a cache that has not caught up (or a pod still being killed): its exit code decides
        // between a retry and a permanent failure, so wait for it instead of guessing.
        return new Attempt(
            number,
            name,
            AttemptState.RUNNING,
            null,
            "PodEnding",
            "the Job failed; waiting for its pod's exit code",
            null,
            active,
            stoppedBySuspend);
      }
      if (exitCode == null) {
        return new Attempt(
            number,
            name,
            AttemptState.FAILED_RETRYABLE,
            null,
            POD_MISSING,
            failed.map(JobCondition::getMessage).orElse("the trainer pod is gone"),
            at,
            active,
            stoppedBySuspend);
      }
      String message =
          terminated
              .map(ContainerStateTerminated::getMessage)
              .map(AttemptReader::trainerMessage)
              .orElse(null);
      if (ExitCode.isPermanent(exitCode)) {
        return new Attempt(
            number,
            name,
            AttemptState.FAILED_PERMANENT,
            exitCode,
            "ExitCode" + exitCode,
            crashMessage(exitCode, message),
            at,
            active,
            stoppedBySuspend);
      }
      if (terminated.map(t -> OOM_KILLED.equals(t.getReason())).orElse(false)) {
        // The kubelet's reason for a container the kernel killed at its memory limit.
        return new Attempt(
            number,
            name,
            AttemptState.FAILED_RETRYABLE,
            exitCode,
            OOM_KILLED,
            "the trainer exceeded its memory limit (spec.resources.memory) and was killed",
            at,
            active,
            stoppedBySuspend);
      }
      return new Attempt(
          number,
          name,
          AttemptState.FAILED_RETRYABLE,
          exitCode,
          exitCode == ExitCode.PREEMPTED.code() ? "Terminated" : "ExitCode" + exitCode,
          message,
          at,
          active,
          stoppedBySuspend);
    }
    if (condition(job, "Suspended").isPresent()
        || Boolean.TRUE.equals(job.getSpec().getSuspend())) {
      return new Attempt(
          number,
          name,
          AttemptState.PENDING,
          null,
          "Queued",
          "the Job is suspended until its queue admits it",
          null,
          active,
          stoppedBySuspend);
    }
    boolean running = lastPod.map(p -> "Running".equals(phase(p))).orElse(false);
    // The trainer ended but the Job controller has not concluded yet (it removes the pod's
    // job-tracking finalizer, then sets SuccessCriteriaMet/FailureTarget, then Complete or
    // Failed): the attempt is still in progress, not back to Pending.
    boolean ended = terminated.isPresent();
    if (running || ended) {
      return new Attempt(
          number,
          name,
          AttemptState.RUNNING,
          null,
          ended ? "PodEnded" : "PodRunning",
          null,
          null,
          active,
          stoppedBySuspend);
    }
    Optional<ContainerStateWaiting> stuck = lastPod.flatMap(AttemptReader::cannotStart);
    if (stuck.isPresent()) {
      // The kubelet's reason (ErrImageNeverPull, ImagePullBackOff, CreateContainerConfigError...)
      // and message, so `kubectl get ftj` says why the job does not start instead of hanging.
      return new Attempt(
          number,
          name,
          AttemptState.PENDING,
          null,
          stuck.get().getReason(),
          stuck.get().getMessage(),
          null,
          active,
          stoppedBySuspend);
    }
    return new Attempt(
        number,
        name,
        AttemptState.PENDING,
        null,
        "PodPending",
        null,
        null,
        active,
        stoppedBySuspend);
  }

  /** A container's terminated reason when the kernel killed it at its memory limit. */
  static final String OOM_KILLED = "OOMKilled";

  /** Waiting reasons of a container that a kubelet cannot start until someone acts. */
  static final java.util.Set<String> CANNOT_START =
      java.util.Set.of(
          "ErrImageNeverPull",
          "ErrImagePull",
          "ImagePullBackOff",
          "InvalidImageName",
          "CreateContainerConfigError",
          "CreateContainerError");

  /** The trainer container's waiting state when it is one of {@link #CANNOT_START}. */
  static Optional<ContainerStateWaiting> cannotStart(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> c.getState() != null && c.getState().getWaiting() != null)
        .map(c -> c.getState().getWaiting())
        .filter(w -> CANNOT_START.contains(w.getReason()))
        .findFirst();
  }

  public static int attemptNumber(Job job) {
    String label =
        job.getMetadata().getLabels() == null
            ? null
            : job.getMetadata().getLabels().get(Labels.ATTEMPT);
    try {
      return label == null ? 0 : Integer.parseInt(label);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Evicted (kubelet pressure, Eviction API) or preempted (scheduler, node shutdown). */
  static Optional<String> disruption(Pod pod) {
    if (pod.getStatus() == null) {
      return Optional.empty();
    }
    if ("Evicted".equals(pod.getStatus().getReason())) {
      return Optional.of("Evicted");
    }
    if (pod.getStatus().getConditions() != null) {
      for (var c : pod.getStatus().getConditions()) {
        if ("DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus())) {
          String r = c.getReason() == null ? "" : c.getReason();
          return Optional.of(
              r.startsWith("Preemption")
                  ? "Preempted"
                  : r.startsWith("Eviction") ? "Evicted" : "Disrupted");
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The Job controller's record of why its pod ended (the Job's podFailurePolicy, see
   * TrainerJobResource), which outlives the pod: "Pod ns/p has condition DisruptionTarget matching
   * FailJob rule at index 0" is Preempted, "Container trainer for pod ns/p failed with exit code
   * 143 matching FailJob rule ..." is Terminated (SIGTERM; Jobs that Kueue manages have no such
   * rule, see TrainerJobResource#podFailurePolicy).
   */
  static Optional<String> podFailurePolicy(JobCondition failed) {
    if (!"PodFailurePolicy".equals(failed.getReason()) || failed.getMessage() == null) {
      return Optional.empty();
    }
    String m = failed.getMessage();
    if (m.contains("condition DisruptionTarget")) {
      return Optional.of("Preempted");
    }
    if (m.contains("exit code 143 ")) {
      return Optional.of("Terminated");
    }
    return Optional.empty();
  }

  private static Optional<ContainerStateTerminated> trainerTerminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      if (Labels.TRAINER_CONTAINER.equals(cs.getName())
          && cs.getState() != null
          && cs.getState().getTerminated() != null) {
        return Optional.of(cs.getState().getTerminated());
      }
    }
    return Optional.empty();
  }

  private static String podMessage(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getMessage();
  }

  private static boolean isTerminal(Pod p) {
    String phase = phase(p);
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static String phase(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  private static Map<String, String> annotations(Job job) {
    return job.getMetadata().getAnnotations() == null
        ? Map.of()
        : job.getMetadata().getAnnotations();
  }

  private static boolean positive(Integer n) {
    return n != null && n > 0;
  }

  private static Instant time(String rfc3339) {
    return rfc3339 == null ? null : Instant.parse(rfc3339);
  }

  /**
   * A crash signal (exit 128 + n other than SIGKILL and SIGTERM, e.g. 134 SIGABRT from libtorch) is
   * permanent; the message says so and names the signal. Other codes keep the trainer's line.
   */
  static String crashMessage(int exitCode, String trainerMessage) {
    if (exitCode <= 128) {
      return trainerMessage;
    }
    String crash =
        "the trainer crashed (exit "
            + exitCode
            + ExitCode.signalName(exitCode).map(s -> ", " + s).orElse("")
            + "); not retried because the same input would crash again";
    return trainerMessage == null || trainerMessage.isBlank()
        ? crash
        : trainerMessage + " (" + crash + ")";
  }

  /**
   * The line that explains a failure, from a termination message. With {@code
   * FallbackToLogsOnError} the kubelet puts the log's tail there (up to 80 lines, 2 KiB); the
   * trainer's explanation is its last {@code error: } line, else the last non-blank line.
   */
  static String trainerMessage(String terminationMessage) {
    List<String> lines =
        terminationMessage.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    if (lines.isEmpty()) {
      return null;
    }
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("error: ")) {
        return lines.get(i).substring("error: ".length());
      }
    }
    return lines.get(lines.size() - 1);
  }
}
