package dev.finetune.operator.act;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Phase;
import dev.finetune.operator.observe.Attempt;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.validate.Validation;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Chooses phase 3's action from the observation and the status built from it. Pure. Retries are
 * never slept on: a pending retry returns {@link Plan.WaitBackoff} and the controller reschedules
 * itself.
 */
public final class AttemptPlanner {
  private AttemptPlanner() {}

  public static Plan plan(
      FineTuneJob ftj,
      Observation obs,
      Validation validation,
      FineTuneJobStatus status,
      Instant now,
      Duration backoffBase,
      Duration backoffMax) {
    if (Phase.of(status.phase).terminal() || !(validation instanceof Validation.Valid)) {
      return new Plan.Nothing();
    }
    Optional<Attempt> latest = obs.latest();
    int next = Math.max(status.attempts == null ? 0 : status.attempts, obs.highestAttempt()) + 1;
    if (Boolean.TRUE.equals(ftj.getSpec().suspend)) {
      // Stop once; again only if pods reappear. A stopped Job waits for the Job controller. A
      // Job that retries its own pod is stopped between two pods too, or it would start the next.
      return latest
          .filter(
              a ->
                  (!a.state().finished() || a.retriedByJob())
                      && (!a.stopRequested() || !a.activePods().isEmpty()))
          .<Plan>map(Plan.StopAttempt::new)
          .orElse(new Plan.Nothing());
    }
    if (latest.isEmpty()) {
      return new Plan.CreateAttempt(next);
    }
    Attempt a = latest.get();
    return switch (a.state()) {
      case PENDING, RUNNING, SUCCEEDED, FAILED_PERMANENT -> new Plan.Nothing();
      case STOPPED_BY_SUSPEND -> new Plan.CreateAttempt(next);
      case FAILED_RETRYABLE -> {
        if (a.retriedByJob()) {
          // The Job starts the next pod itself after its own backoff, so a queued job keeps its
          // Workload and its place in the queue.
          yield new Plan.Nothing();
        }
        int restarts = status.restarts == null ? 1 : Math.max(1, status.restarts);
        Duration delay = backoff(restarts, backoffBase, backoffMax);
        Instant due = a.finishedAt() == null ? now : a.finishedAt().plus(delay);
        yield now.isBefore(due)
            ? new Plan.WaitBackoff(next, Duration.between(now, due))
            : new Plan.CreateAttempt(next);
      }
    };
  }

  /** base, 2*base, 4*base, ... for the 1st, 2nd, 3rd retry, capped at max. */
  public static Duration backoff(int retry, Duration base, Duration max) {
    Duration d = base;
    for (int i = 1; i < retry && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
