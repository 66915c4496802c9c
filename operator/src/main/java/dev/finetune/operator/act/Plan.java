package dev.finetune.operator.act;

import dev.finetune.operator.observe.Attempt;
import java.time.Duration;

/** What phase 3 does this reconcile; chosen by {@link AttemptPlanner}, done by the resources. */
public sealed interface Plan {
  /** Nothing to change. */
  record Nothing() implements Plan {}

  /** Create trainer Job {@code <ftj>-attempt-<number>} (and the spec ConfigMap if missing). */
  record CreateAttempt(int number) implements Plan {}

  /** A retry is due after {@code delay}; reconcile again then. */
  record WaitBackoff(int nextNumber, Duration delay) implements Plan {}

  /** spec.suspend is true: stop the running attempt (SIGTERM makes the trainer checkpoint). */
  record StopAttempt(Attempt attempt) implements Plan {}
}
