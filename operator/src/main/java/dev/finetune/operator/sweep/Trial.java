package dev.finetune.operator.sweep;

import dev.finetune.contract.sweep.Assignment;

/**
 * One FineTuneJob the sweep wants (a trial, or the baseline with a null assignment) and what the
 * observer saw of it: its status.phase (null while it has none, absent when the job does not
 * exist), its test accuracy and its objective (the sweep's validation metric, from epoch
 * validationEpoch) once reported, whether the median rule stopped it (annotation {@value
 * #EARLY_STOPPED}), whether its spec.suspend is true, and whether the sweep set it (annotation
 * {@value #SUSPENDED_BY_SWEEP}): a trial a user suspended by hand is left suspended.
 */
record Trial(
    String name,
    Assignment assignment,
    boolean exists,
    String phase,
    Double testAccuracy,
    Double objective,
    Integer validationEpoch,
    boolean earlyStopped,
    boolean suspendSet,
    boolean suspendedBySweep) {
  /** The FineTuneJob annotation the median rule leaves on a trial it stopped: why. */
  static final String EARLY_STOPPED = "finetune.dev/early-stopped";

  /**
   * The FineTuneJob annotation a suspended sweep leaves on each trial it suspends (the sweep's
   * name); resuming the sweep resumes only these and removes it.
   */
  static final String SUSPENDED_BY_SWEEP = "finetune.dev/suspended-by-sweep";

  Trial(String name, Assignment assignment, boolean exists, String phase, Double testAccuracy) {
    this(name, assignment, exists, phase, testAccuracy, null);
  }

  Trial(
      String name,
      Assignment assignment,
      boolean exists,
      String phase,
      Double testAccuracy,
      Double objective) {
    this(name, assignment, exists, phase, testAccuracy, objective, null, false);
  }

  Trial(
      String name,
      Assignment assignment,
      boolean exists,
      String phase,
      Double testAccuracy,
      Double objective,
      Integer validationEpoch,
      boolean earlyStopped) {
    this(
        name,
        assignment,
        exists,
        phase,
        testAccuracy,
        objective,
        validationEpoch,
        earlyStopped,
        earlyStopped,
        false);
  }

  static Trial missing(String name, Assignment assignment) {
    return new Trial(name, assignment, false, null, null);
  }

  boolean succeeded() {
    return "Succeeded".equals(phase) && !earlyStopped;
  }

  boolean failed() {
    return "Failed".equals(phase) && !earlyStopped;
  }

  /** Succeeded, failed, or stopped by the median rule (suspended; it is never resumed). */
  boolean finished() {
    return succeeded() || failed() || earlyStopped;
  }

  /** Created and not finished: Pending, Running or Suspended. */
  boolean active() {
    return exists && !finished();
  }

  /** Active with spec.suspend false: suspending the sweep suspends it. */
  boolean suspendable() {
    return active() && !suspendSet;
  }

  /**
   * Active with spec.suspend true, set by the sweep (not by the median rule, not by a user):
   * resuming the sweep resumes it.
   */
  boolean resumable() {
    return active() && suspendSet && suspendedBySweep;
  }

  boolean running() {
    return "Running".equals(phase) && !earlyStopped;
  }
}
