package dev.finetune.trainer.data.fetch;

import java.time.Duration;

/**
 * How {@link Fetcher} retries transient download failures (connection errors, timeouts, HTTP
 * 5xx and 429): up to {@code attempts} tries, sleeping {@code firstDelay}, then doubling up to
 * {@code maxDelay}. {@code timeout} bounds connecting and each read, so a stalled server cannot
 * hang the job.
 */
public record RetryPolicy(int attempts, Duration firstDelay, Duration maxDelay, Duration timeout) {
  /** 5 attempts, 1 s doubling to 30 s, 60 s socket timeout. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));

  public RetryPolicy {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1");
    }
  }

  /** The sleep before retry number {@code retry} (1-based). */
  public Duration delay(int retry) {
    long ms = firstDelay.toMillis();
    for (int i = 1; i < retry && ms < maxDelay.toMillis(); i++) {
      ms *= 2;
    }
    return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
  }
}
