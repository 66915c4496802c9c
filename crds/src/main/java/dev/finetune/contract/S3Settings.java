package dev.finetune.contract;

import java.time.Duration;
import java.util.Map;

/**
 * Tuning of {@link S3ObjectStore}: retry deadline and backoff, HTTP timeouts and multipart sizes.
 * Defaults suit production; tests lower them. {@link #fromEnv} reads optional overrides:
 * FINETUNE_S3_RETRY_DEADLINE_SECONDS, FINETUNE_S3_MULTIPART_THRESHOLD_BYTES,
 * FINETUNE_S3_PART_SIZE_BYTES.
 */
public record S3Settings(
    Duration retryDeadline,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration connectTimeout,
    Duration socketTimeout,
    long multipartThreshold,
    int partSize) {

  public static final long MIB = 1024L * 1024L;

  /** S3 rejects multipart uploads whose parts (all but the last) are smaller than this. */
  public static final int MIN_PART_SIZE = (int) (5 * MIB);

  public S3Settings {
    if (retryDeadline.isNegative() || initialBackoff.isNegative() || maxBackoff.isNegative()) {
      throw new IllegalArgumentException("S3 retry durations must not be negative");
    }
    if (multipartThreshold < 1) {
      throw new IllegalArgumentException("S3 multipart threshold must be positive");
    }
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException(
          "S3 part size "
              + partSize
              + " is below the S3 minimum of 5 MiB ("
              + MIN_PART_SIZE
              + " bytes)");
    }
  }

  /** 5 minute retry deadline, 0.5 s..30 s backoff, multipart above 64 MiB in 16 MiB parts. */
  public static S3Settings defaults() {
    return new S3Settings(
        Duration.ofMinutes(5),
        Duration.ofMillis(500),
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofSeconds(60),
        64 * MIB,
        (int) (16 * MIB));
  }

  /** Defaults with the optional FINETUNE_S3_* overrides in env applied. */
  public static S3Settings fromEnv(Map<String, String> env) {
    S3Settings s = defaults();
    String deadline = env.get("FINETUNE_S3_RETRY_DEADLINE_SECONDS");
    if (deadline != null && !deadline.isBlank()) {
      s =
          s.withRetryDeadline(
              Duration.ofSeconds(parse("FINETUNE_S3_RETRY_DEADLINE_SECONDS", deadline)));
    }
    String threshold = env.get("FINETUNE_S3_MULTIPART_THRESHOLD_BYTES");
    String part = env.get("FINETUNE_S3_PART_SIZE_BYTES");
    if ((threshold != null && !threshold.isBlank()) || (part != null && !part.isBlank())) {
      long t =
          threshold == null || threshold.isBlank()
              ? s.multipartThreshold
              : parse("FINETUNE_S3_MULTIPART_THRESHOLD_BYTES", threshold);
      long p =
          part == null || part.isBlank() ? s.partSize : parse("FINETUNE_S3_PART_SIZE_BYTES", part);
      s = s.withMultipart(t, (int) Math.min(Integer.MAX_VALUE - 8, p));
    }
    return s;
  }

  private static long parse(String name, String value) {
    try {
      long v = Long.parseLong(value.trim());
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "='" + value + "' is not a non-negative integer");
    }
  }

  public S3Settings withRetryDeadline(Duration d) {
    return new S3Settings(
        d, initialBackoff, maxBackoff, connectTimeout, socketTimeout, multipartThreshold, partSize);
  }

  public S3Settings withBackoff(Duration initial, Duration max) {
    return new S3Settings(
        retryDeadline, initial, max, connectTimeout, socketTimeout, multipartThreshold, partSize);
  }

  public S3Settings withTimeouts(Duration connect, Duration socket) {
    return new S3Settings(
        retryDeadline, initialBackoff, maxBackoff, connect, socket, multipartThreshold, partSize);
  }

  public S3Settings withMultipart(long threshold, int part) {
    return new S3Settings(
        retryDeadline, initialBackoff, maxBackoff, connectTimeout, socketTimeout, threshold, part);
  }
}
