package dev.finetune.trainer.data.fetch;

import java.time.Duration;

/**
 * How {@link Fetcher} retries transient download failures (connection errors, timeouts, HTTP 5xx
 * and 429): up to {@code attempts} tries, sleeping {@code firstDelay}, then doubling up to {@code
 * maxDelay}. {@code timeout} bounds connecting and each read, so a stalled server cannot hang the
 * job; {@code deadline} bounds one download in all (every attempt, every read), so a server that
 * sends a byte just inside each read timeout cannot either.
 */
public record RetryPolicy(
    int attempts, Duration firstDelay, Duration maxDelay, Duration timeout, Duration deadline) {
  /** 5 attempts, 1 s doubling to 30 s, 60 s socket timeout, 2 h per download in all. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(
          5,
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60),
          Duration.ofHours(2));

  public RetryPolicy {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1");
    }
    if (deadline == null || deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive");
    }
  }

  /** With the default 2 h deadline. */
  public RetryPolicy(int attempts, Duration firstDelay, Duration maxDelay, Duration timeout) {
    this(attempts, firstDelay, maxDelay, timeout, DEFAULT_DEADLINE);
  }

  private static final Duration DEFAULT_DEADLINE = Duration.ofHours(2);

  /** This policy with another overall deadline per download. */
  public RetryPolicy withDeadline(Duration d) {
    return new RetryPolicy(attempts, firstDelay, maxDelay, timeout, d);
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
