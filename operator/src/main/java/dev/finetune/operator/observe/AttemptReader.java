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
    boolean inJob = retriesInJob(job);
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
    // A Job that replaces its own pods: the newest pod is the one the Job controller counted the
    // most failures before; creation time breaks ties (and orders one-pod Jobs).
    Optional<Pod> lastPod =
        pods.stream()
            .max(
                Comparator.comparingInt(AttemptReader::replaced)
                    .thenComparing(
                        p ->
                            p.getMetadata().getCreationTimestamp() == null
                                ? ""
                                : p.getMetadata().getCreationTimestamp()));
    Optional<ContainerStateTerminated> terminated =
        lastPod.flatMap(AttemptReader::trainerTerminated);
    Integer exitCode = terminated.map(ContainerStateTerminated::getExitCode).orElse(null);
    Of of =
        new Of(
            attemptNumber(job),
            job.getMetadata().getName(),
            active,
            stoppedBySuspend,
            lastPod.map(p -> count(p, FAILURE_COUNT)).orElse(0),
            lastPod.map(p -> count(p, IGNORED_FAILURE_COUNT)).orElse(0));

    if (complete.isPresent()
        || (job.getStatus() != null && positive(job.getStatus().getSucceeded()))) {
      // The message of a successful trainer is its final result (FinalResult), kept verbatim.
      return of.attempt(
          AttemptState.SUCCEEDED,
          0,
          "Completed",
          terminated.map(ContainerStateTerminated::getMessage).orElse(null),
          time(
              complete
                  .map(JobCondition::getLastTransitionTime)
                  .orElse(job.getStatus().getCompletionTime())));
    }
    // A Job that retries its own pods counts failures in status.failed while it goes on: only
    // its Failed condition ends it.
    if (failed.isPresent()
        || (!inJob && job.getStatus() != null && positive(job.getStatus().getFailed()))) {
      Instant at = time(failed.map(JobCondition::getLastTransitionTime).orElse(null));
      if (stoppedBySuspend) {
        return of.attempt(
            AttemptState.STOPPED_BY_SUSPEND,
            exitCode,
            "Suspended",
            "stopped because spec.suspend is true",
            at);
      }
      Optional<String> disruption =
          lastPod
              .flatMap(AttemptReader::disruption)
              .or(() -> failed.flatMap(AttemptReader::podFailurePolicy));
      if (disruption.isPresent()) {
        return of.attempt(
            AttemptState.FAILED_RETRYABLE,
            exitCode,
            disruption.get(),
            lastPod
                .map(AttemptReader::podMessage)
                .orElse(failed.map(JobCondition::getMessage).orElse(null)),
            at);
      }
      if (exitCode == null && lastPod.filter(p -> !isTerminal(p)).isPresent()) {
        // The Job controller concludes only after its pod ended, so a pod that looks alive here
        // is a cache that has not caught up (or a pod still being killed): its exit code decides
        // between a retry and a permanent failure, so wait for it instead of guessing.
        return of.attempt(
            AttemptState.RUNNING,
            null,
            "PodEnding",
            "the Job failed; waiting for its pod's exit code",
            null);
      }
      if (exitCode == null) {
        return of.attempt(
            AttemptState.FAILED_RETRYABLE,
            null,
            POD_MISSING,
            failed.map(JobCondition::getMessage).orElse("the trainer pod is gone"),
            at);
      }
      return exited(of, exitCode, terminated.get(), at, false);
    }
    if (inJob && stoppedBySuspend && active.isEmpty() && lastPod.isPresent()) {
      // Stopped for spec.suspend by deleting the Job: its pods are gone, the Job soon.
      return of.attempt(
          AttemptState.STOPPED_BY_SUSPEND,
          exitCode,
          "Suspended",
          "stopped because spec.suspend is true",
          terminated.map(t -> time(t.getFinishedAt())).orElse(null));
    }
    boolean suspended =
        condition(job, "Suspended").isPresent() || Boolean.TRUE.equals(job.getSpec().getSuspend());
    Optional<Pod> lastFailed = lastPod.filter(p -> "Failed".equals(phase(p)));
    if (inJob && lastFailed.isPresent() && !stoppedBySuspend) {
      Optional<String> disruption = lastFailed.flatMap(AttemptReader::disruption);
      Instant at = terminated.map(t -> time(t.getFinishedAt())).orElse(null);
      Of retry = of.retriedByJob();
      Attempt ended =
          disruption.isPresent()
              ? retry.attempt(
                  AttemptState.FAILED_RETRYABLE,
                  exitCode,
                  disruption.get(),
                  podMessage(lastFailed.get()),
                  at)
              : exitCode == null
                  ? retry.attempt(
                      AttemptState.FAILED_RETRYABLE,
                      null,
                      "PodFailed",
                      podMessage(lastFailed.get()),
                      at)
                  : exited(of, exitCode, terminated.get(), at, true);
      if (!suspended) {
        // The Job starts the next pod after its backoff (or fails, on a permanent code or past
        // its backoffLimitPerIndex, which this verdict already says).
        return ended;
      }
      // Kueue took the quota back (a preemption): the Job waits in its queue with its place
      // kept, and the pod it stopped is counted here until the next one carries the count.
      of = of.after(ended);
    }
    if (suspended) {
      return of.attempt(
          AttemptState.PENDING,
          null,
          "Queued",
          "the Job is suspended until its queue admits it",
          null);
    }
    boolean running = lastPod.map(p -> "Running".equals(phase(p))).orElse(false);
    // The trainer ended but the Job controller has not concluded yet (it removes the pod's
    // job-tracking finalizer, then sets SuccessCriteriaMet/FailureTarget, then Complete or
    // Failed): the attempt is still in progress, not back to Pending.
    boolean ended = terminated.isPresent();
    if (running || ended) {
      return of.attempt(AttemptState.RUNNING, null, ended ? "PodEnded" : "PodRunning", null, null);
    }
    Optional<ContainerStateWaiting> stuck = lastPod.flatMap(AttemptReader::cannotStart);
    if (stuck.isPresent()) {
      // The kubelet's reason (ErrImageNeverPull, ImagePullBackOff, CreateContainerConfigError...)
      // and message, so `kubectl get ftj` says why the job does not start instead of hanging.
      return of.attempt(
          AttemptState.PENDING, null, stuck.get().getReason(), stuck.get().getMessage(), null);
    }
    return of.attempt(AttemptState.PENDING, null, "PodPending", null, null);
  }

  /** A trainer that exited with {@code exitCode}: permanent, OOM-killed, or another retry. */
  private static Attempt exited(
      Of of, int exitCode, ContainerStateTerminated terminated, Instant at, boolean retriedByJob) {
    String message =
        terminated.getMessage() == null ? null : trainerMessage(terminated.getMessage());
    if (ExitCode.isPermanent(exitCode)) {
      return of.attempt(
          AttemptState.FAILED_PERMANENT,
          exitCode,
          "ExitCode" + exitCode,
          crashMessage(exitCode, message),
          at);
    }
    Of retry = retriedByJob ? of.retriedByJob() : of;
    if (OOM_KILLED.equals(terminated.getReason())) {
      // The kubelet's reason for a container the kernel killed at its memory limit.
      return retry.attempt(
          AttemptState.FAILED_RETRYABLE,
          exitCode,
          OOM_KILLED,
          "the trainer exceeded its memory limit (spec.resources.memory) and was killed",
          at);
    }
    return retry.attempt(
        AttemptState.FAILED_RETRYABLE,
        exitCode,
        exitCode == ExitCode.PREEMPTED.code() ? "Terminated" : "ExitCode" + exitCode,
        message,
        at);
  }

  /**
   * What every {@link Attempt} of one Job shares: the Job's label number plus the pods it replaced
   * before its newest one.
   */
  private record Of(
      int label,
      String jobName,
      List<String> active,
      boolean stopRequested,
      int restarts,
      int preemptions,
      boolean retried) {
    Of(int label, String jobName, List<String> active, boolean stop, int restarts, int ignored) {
      this(label, jobName, active, stop, restarts, ignored, false);
    }

    Attempt attempt(
        AttemptState state, Integer exitCode, String reason, String message, Instant at) {
      return new Attempt(
          label + restarts + preemptions,
          jobName,
          state,
          exitCode,
          reason,
          message,
          at,
          active,
          stopRequested,
          restarts,
          preemptions,
          retried);
    }

    Of retriedByJob() {
      return new Of(label, jobName, active, stopRequested, restarts, preemptions, true);
    }

    /** The next pod's view: {@code ended} counted among the earlier ones. */
    Of after(Attempt ended) {
      return new Of(
          label, jobName, active, stopRequested, ended.restarts(), ended.preemptions(), false);
    }
  }

  /**
   * True for a Job that replaces its own failed pods ({@code backoffLimitPerIndex}, see
   * TrainerJobResource): a queued job keeps one Job, so one Kueue Workload and its place in the
   * queue, across retries.
   */
  public static boolean retriesInJob(Job job) {
    return job.getSpec() != null && job.getSpec().getBackoffLimitPerIndex() != null;
  }

  /** The Job controller's count of its pod's predecessors that counted against the limit. */
  public static final String FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";

  /** The same for those its podFailurePolicy ignored (DisruptionTarget, SIGTERM). */
  public static final String IGNORED_FAILURE_COUNT =
      "batch.kubernetes.io/job-index-ignored-failure-count";

  private static int replaced(Pod p) {
    return count(p, FAILURE_COUNT) + count(p, IGNORED_FAILURE_COUNT);
  }

  private static int count(Pod p, String annotation) {
    var a = p.getMetadata().getAnnotations();
    String v = a == null ? null : a.get(annotation);
    try {
      return v == null ? 0 : Math.max(0, Integer.parseInt(v.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
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
