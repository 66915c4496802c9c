package dev.finetune.operator.drill;

import java.time.Duration;

/**
 * A daemon thread that runs one step every period until closed: what the drills' probes share (the
 * API latency probe, the live-trainer count, GitOps self-heal). A step that throws ends nothing:
 * the next period runs it again, and {@link #close()} stops it and waits for it.
 */
public final class Sampler implements AutoCloseable {
  private final Thread thread;
  private volatile boolean stop;

  private Sampler(String name, Duration period, Runnable step) {
    thread =
        new Thread(
            () -> {
              while (!stop) {
                try {
                  step.run();
                } catch (RuntimeException e) {
                  // a step's own failure: the next period tries again
                }
                try {
                  Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            name);
    thread.setDaemon(true);
  }

  /** Starts a sampler named {@code name} that runs {@code step} every {@code period}. */
  public static Sampler every(Duration period, String name, Runnable step) {
    Sampler s = new Sampler(name, period, step);
    s.thread.start();
    return s;
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.interrupt();
    thread.join();
  }
}
