package dev.finetune.operator.observe;

import java.time.Instant;

/**
 * One trainer Job as observed.
 *
 * @param number attempt number from the Job's label, 1 for the first
 * @param jobName the Job's name, {@code <ftj>-attempt-<number>}
 * @param state what it is doing
 * @param exitCode the trainer container's exit code, when it terminated
 * @param reason short CamelCase cause (Completed, Error, Evicted, Preempted, PodMissing, Queued)
 * @param message the trainer's termination message or the Job's condition message
 * @param finishedAt when it finished; null while it runs
 * @param activePods names of its pods that have not terminated
 * @param stopRequested the operator marked it to stop because spec.suspend became true
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
    boolean stopRequested) {
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
}
