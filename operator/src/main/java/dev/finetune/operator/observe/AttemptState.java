package dev.finetune.operator.observe;

/** What one trainer Job (one attempt) is doing, as read from the Job and its pod. */
public enum AttemptState {
  /** Created, but Kueue has not admitted it or its pod is not running yet. */
  PENDING(false),
  /** Its pod runs the trainer. */
  RUNNING(false),
  /** The trainer exited 0. */
  SUCCEEDED(true),
  /** Exit code 128 or above, eviction, preemption, or a pod that vanished: try again. */
  FAILED_RETRYABLE(true),
  /** Exit code 1-127: the spec or the data must be fixed. */
  FAILED_PERMANENT(true),
  /** Stopped because spec.suspend became true; does not count as a restart. */
  STOPPED_BY_SUSPEND(true);

  private final boolean finished;

  AttemptState(boolean finished) {
    this.finished = finished;
  }

  public boolean finished() {
    return finished;
  }
}
