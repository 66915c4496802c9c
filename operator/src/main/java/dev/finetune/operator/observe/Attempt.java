package dev.finetune.operator.observe;

import java.time.Instant;

/**
 * One trainer attempt as observed: a trainer Job, or for a Job that retries its own pod (a queued
 * job, see {@code TrainerJobResource}) that Job's newest pod.
 *
 * @param number attempt number, 1 for the first: the Job's label, plus the pods its Job already
 *     replaced ({@link #earlierRestarts} and {@link #earlierPreemptions})
 * @param jobName the Job's name, {@code <ftj>-attempt-<n>}
 * @param state what it is doing
 * @param exitCode the trainer container's exit code, when it terminated
 * @param reason short CamelCase cause (Completed, Error, Evicted, Preempted, PodMissing, Queued)
 * @param message the trainer's termination message or the Job's condition message
 * @param finishedAt when it finished; null while it runs
 * @param activePods names of its pods that have not terminated
 * @param stopRequested the operator marked it to stop because spec.suspend became true
 * @param earlierRestarts failed pods of the same Job before this one that count against
 *     backoffLimit (the Job controller's {@code job-index-failure-count}); 0 for one-pod Jobs
 * @param earlierPreemptions pods of the same Job before this one that were preempted, evicted or
 *     stopped with SIGTERM ({@code job-index-ignored-failure-count}); 0 for one-pod Jobs
 * @param retriedByJob a retryable failure whose Job starts the next pod itself: the operator makes
 *     no new Job
 */
public record Attempt(
    int number,
    String jobName,
    AttemptState state,
    Integer exitCode,
    String reason,
    String message,
    Instant finishedAt,
    java.util.List<String> activePods,
    boolean stopRequested,
    int earlierRestarts,
    int earlierPreemptions,
    boolean retriedByJob) {
  /** Reasons of a retryable failure that are a preemption (they do not use up backoffLimit). */
  public static final java.util.Set<String> PREEMPTION_REASONS =
      java.util.Set.of("Preempted", "Evicted", "Disrupted", "Terminated");

  /**
   * A retryable failure caused by the cluster, not the trainer: SIGTERM (exit 143, a drained or
   * reclaimed node), eviction, or preemption (pod condition DisruptionTarget). Counted in
   * status.preemptions, apart from backoffLimit, as PyTorchJob users on spot nodes expect.
   */
  public boolean preempted() {
    return state == AttemptState.FAILED_RETRYABLE && PREEMPTION_REASONS.contains(reason);
  }

  /** Retryable failures that count against backoffLimit: this one's and its Job's earlier pods'. */
  public int restarts() {
    return earlierRestarts + (state == AttemptState.FAILED_RETRYABLE && !preempted() ? 1 : 0);
  }

  /** Preemptions: this one's and its Job's earlier pods'. */
  public int preemptions() {
    return earlierPreemptions + (preempted() ? 1 : 0);
  }
}
