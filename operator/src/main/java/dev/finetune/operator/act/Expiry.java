package dev.finetune.operator.act;

import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Phase;
import dev.finetune.operator.status.StatusBuilder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * spec.ttlSecondsAfterFinished for the FineTuneJob itself. Pure. The job finished at the
 * lastTransitionTime of its True Succeeded or Failed condition; that time is written in whole
 * seconds, rounded down, so one second is added: the job is never deleted before the TTL.
 */
public final class Expiry {
  private Expiry() {}

  /** When the job may be deleted; empty while it runs or without a TTL. */
  public static Optional<Instant> deleteAt(FineTuneJobStatus status, Integer ttlSeconds) {
    if (ttlSeconds == null || status == null || status.phase == null
        || !Phase.of(status.phase).terminal()) {
      return Optional.empty();
    }
    return StatusBuilder.condition(status, status.phase)
        .filter(c -> "True".equals(c.getStatus()) && c.getLastTransitionTime() != null)
        .flatMap(c -> {
          try {
            return Optional.of(Instant.parse(c.getLastTransitionTime()));
          } catch (DateTimeParseException e) {
            return Optional.empty();
          }
        })
        .map(finished -> finished.plusSeconds(1L + ttlSeconds));
  }
}
