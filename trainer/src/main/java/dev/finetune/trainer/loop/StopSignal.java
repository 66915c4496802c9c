package dev.finetune.trainer.loop;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Set when the trainer must stop early (SIGTERM from the kubelet on preemption or suspend). The
 * loop finishes the current step, asks listeners to checkpoint, and throws {@link Preempted}.
 */
public final class StopSignal {
  private final AtomicBoolean requested = new AtomicBoolean();

  public void request() {
    requested.set(true);
  }

  public boolean requested() {
    return requested.get();
  }

  /** Thrown out of the loop after the stop was honoured and state was persisted. */
  public static final class Preempted extends RuntimeException {
    public Preempted(String message) {
      super(message);
    }
  }
}
