package dev.finetune.operator.sweep;

/**
 * Where the sweep stands, decided by {@link SweepPlanner}: the phase, the reason (the Ready
 * condition's, as for a FineTuneJob) and a one-line message.
 */
record SweepVerdict(String phase, String reason, String message) {
  static final String INVALID_SPEC = "InvalidSpec";
  static final String OBJECTIVE_UNAVAILABLE = "ObjectiveUnavailable";
  static final String TRIALS_RUNNING = "TrialsRunning";
  static final String COMPLETED = "Completed";
  static final String MAX_FAILED_TRIALS = "MaxFailedTrialsReached";
  static final String BASELINE_FAILED = "BaselineFailed";
  static final String SUSPENDED = "Suspended";

  boolean succeeded() {
    return "Succeeded".equals(phase);
  }

  /** Ended by its trials: Succeeded, or Failed other than for an invalid spec. */
  boolean ended() {
    return succeeded() || ("Failed".equals(phase) && !INVALID_SPEC.equals(reason));
  }

  /** spec.suspend holds it: neither working (Reconciling) nor stalled, as a suspended job. */
  boolean suspended() {
    return SUSPENDED.equals(reason);
  }

  /** Stalled in kstatus: it will not progress without a change to the spec (or the operator). */
  boolean stalled() {
    return "Failed".equals(phase) || OBJECTIVE_UNAVAILABLE.equals(reason);
  }
}
