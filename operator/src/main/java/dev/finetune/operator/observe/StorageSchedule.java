package dev.finetune.operator.observe;

import java.time.Duration;
import java.time.Instant;

/**
 * When phase 1 lists object storage. Pure. Listing costs S3 requests, so it is throttled to {@code
 * interval} per job while the job is active, is forced once when the job finishes (so the final
 * status has the last checkpoint and the lineage), and stops once a finished job's storage has
 * answered. A finished job whose last listing failed keeps trying at the interval.
 */
public final class StorageSchedule {
  private StorageSchedule() {}

  /**
   * @param started an attempt was ever created (before that there is nothing to list)
   * @param finishesNow this reconcile turns the job Succeeded or Failed
   * @param finished the previous status was already Succeeded or Failed
   * @param answeredAfterFinish the previous status says storage answered (StorageReachable=True)
   * @param lastListed when this operator process last listed the job; null if never
   */
  public static boolean due(
      boolean started,
      boolean finishesNow,
      boolean finished,
      boolean answeredAfterFinish,
      Instant lastListed,
      Instant now,
      Duration interval) {
    boolean elapsed = lastListed == null || !now.isBefore(lastListed.plus(interval));
    if (finished) {
      return !answeredAfterFinish && elapsed;
    }
    if (finishesNow) {
      return true;
    }
    return started && elapsed;
  }
}
