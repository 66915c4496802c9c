package dev.finetune.trainer.storage;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether object storage is answering, as the trainer last saw it: {@link #unavailable()} is true
 * from the first transient failure of a call until any call succeeds, and {@link #retries()} counts
 * every retry. Exported as {@code finetune_storage_unavailable} and {@code
 * finetune_storage_retries_total}, so the operator and alerts can tell an outage from a stalled
 * job. Thread-safe.
 */
public final class StorageHealth {
  private final AtomicBoolean unavailable = new AtomicBoolean();
  private final AtomicLong retries = new AtomicLong();

  /** A call failed transiently and will be retried. */
  public void retrying() {
    retries.incrementAndGet();
    unavailable.set(true);
  }

  /** A call succeeded. */
  public void succeeded() {
    unavailable.set(false);
  }

  public boolean unavailable() {
    return unavailable.get();
  }

  public long retries() {
    return retries.get();
  }
}
