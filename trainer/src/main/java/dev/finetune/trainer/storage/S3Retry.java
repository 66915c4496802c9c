package dev.finetune.trainer.storage;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.S3Settings;
import dev.finetune.trainer.error.TrainerException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * How {@link S3ObjectStore} runs a request: transient failures (connection errors, timeouts, 5xx,
 * throttling) are retried with exponential backoff and jitter until {@link
 * S3Settings#retryDeadline()} has passed, then a {@link TrainerException} with {@link
 * ExitCode#STORAGE_UNAVAILABLE} is thrown. Rejected credentials are a permanent {@link
 * ExitCode#STORAGE_DENIED} error, a missing bucket {@link ExitCode#NOT_FOUND}. Secret values never
 * appear in messages, logs or causes.
 */
final class S3Retry {
  // Logs under S3ObjectStore's name, as before this class was split from it.
  private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);
  private static final String REDACTED = "****";
  private static final Set<String> TRANSIENT_CODES =
      Set.of(
          "SlowDown",
          "Throttling",
          "ThrottlingException",
          "RequestTimeout",
          "RequestTimeoutException",
          "InternalError",
          "ServiceUnavailable",
          "RequestLimitExceeded",
          "TooManyRequestsException",
          "ProvisionedThroughputExceededException",
          "BandwidthLimitExceeded");
  private static final Set<String> CREDENTIAL_CODES =
      Set.of(
          "AccessDenied",
          "InvalidAccessKeyId",
          "SignatureDoesNotMatch",
          "ExpiredToken",
          "InvalidToken",
          "TokenRefreshRequired",
          "InvalidSecurity",
          "AuthorizationHeaderMalformed",
          "AccountProblem",
          "AllAccessDisabled");

  private final String bucket;
  private final S3Settings settings;
  private final StorageHealth health;
  private final List<String> secrets;

  /**
   * @param secrets values to redact from every message (keys, tokens)
   */
  S3Retry(String bucket, S3Settings settings, StorageHealth health, List<String> secrets) {
    this.bucket = bucket;
    this.settings = settings;
    this.health = health;
    this.secrets = List.copyOf(secrets);
  }

  String location(String fullKey) {
    return "s3://" + bucket + "/" + fullKey;
  }

  /** An output stream whose failures are local (a full disk) and so are not retried. */
  static OutputStream localOutput(OutputStream out) {
    return new LocalOutput(out);
  }

  @FunctionalInterface
  interface S3Call<T> {
    T run() throws IOException;
  }

  /** Thrown by writes to local files, which are not retried. */
  private static final class LocalIoException extends IOException {
    LocalIoException(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private static final class LocalOutput extends FilterOutputStream {
    LocalOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new LocalIoException(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        out.close();
      } catch (IOException e) {
        throw new LocalIoException(e);
      }
    }
  }

  private enum Kind {
    TRANSIENT,
    CREDENTIALS,
    NOT_FOUND,
    PERMANENT
  }

  <T> T call(String op, String fullKey, S3Call<T> c) throws IOException {
    long start = System.nanoTime();
    long deadline = start + settings.retryDeadline().toNanos();
    for (int attempt = 1; ; attempt++) {
      Exception failure;
      try {
        T result = c.run();
        health.succeeded();
        return result;
      } catch (LocalIoException e) {
        throw (IOException) e.getCause();
      } catch (SdkException | IOException | UncheckedIOException e) {
        failure = e;
      }
      Kind kind = classify(failure);
      String where = location(fullKey);
      switch (kind) {
        case CREDENTIALS:
          throw new TrainerException(
              ExitCode.STORAGE_DENIED,
              "S3 rejected the credentials for "
                  + op
                  + " of "
                  + where
                  + " ("
                  + describe(failure)
                  + "): check AWS_ACCESS_KEY_ID and"
                  + " AWS_SECRET_ACCESS_KEY (or the pod's credential source) and the bucket policy",
              sanitized(failure));
        case NOT_FOUND:
          throw new TrainerException(
              ExitCode.NOT_FOUND,
              "S3 "
                  + op
                  + " of "
                  + where
                  + " failed: "
                  + describe(failure)
                  + " (does bucket '"
                  + bucket
                  + "' exist?)",
              sanitized(failure));
        case PERMANENT:
          throw new TrainerException(
              ExitCode.INTERNAL,
              "S3 " + op + " of " + where + " failed: " + describe(failure),
              sanitized(failure));
        default:
          break;
      }
      long now = System.nanoTime();
      if (now >= deadline) {
        throw new TrainerException(
            ExitCode.STORAGE_UNAVAILABLE,
            "object storage "
                + where
                + " unreachable after "
                + attempt
                + (attempt == 1 ? " attempt" : " attempts")
                + " in "
                + String.format(Locale.ROOT, "%.1f", (now - start) / 1e9)
                + " s ("
                + op
                + "): "
                + describe(failure),
            sanitized(failure));
      }
      long sleep = Math.min(backoffNanos(attempt), deadline - now);
      health.retrying();
      log.warn(
          "S3 {} of {} failed (attempt {}): {}; retrying in {} ms",
          op,
          where,
          attempt,
          describe(failure),
          sleep / 1_000_000);
      try {
        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while retrying S3 " + op + " of " + where);
      }
    }
  }

  private long backoffNanos(int attempt) {
    long initial = Math.max(1, settings.initialBackoff().toNanos());
    long max = Math.max(initial, settings.maxBackoff().toNanos());
    long exp = attempt >= 30 ? max : Math.min(max, initial << (attempt - 1));
    if (exp <= 0) {
      exp = max;
    }
    // "Equal jitter": half fixed, half random, so retries of several pods spread out.
    return exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
  }

  private static Kind classify(Exception e) {
    if (e instanceof AwsServiceException) {
      AwsServiceException se = (AwsServiceException) e;
      int status = se.statusCode();
      String code = se.awsErrorDetails() == null ? null : se.awsErrorDetails().errorCode();
      if (se.isThrottlingException()
          || status >= 500
          || status == 429
          || status == 408
          || (code != null && TRANSIENT_CODES.contains(code))) {
        return Kind.TRANSIENT;
      }
      if (status == 401 || status == 403 || (code != null && CREDENTIAL_CODES.contains(code))) {
        return Kind.CREDENTIALS;
      }
      if (status == 404) {
        return Kind.NOT_FOUND;
      }
      return Kind.PERMANENT;
    }
    if (e instanceof SdkClientException) {
      String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("unable to load credentials")
          || m.contains("credentials provider")
          || m.contains("access key id")) {
        return Kind.CREDENTIALS;
      }
      return Kind.TRANSIENT;
    }
    return Kind.TRANSIENT; // network IOExceptions while streaming a response
  }

  /** A one-line description of a failure, without secret values. */
  String describe(Throwable e) {
    String text;
    if (e instanceof AwsServiceException) {
      AwsServiceException se = (AwsServiceException) e;
      String code = se.awsErrorDetails() == null ? null : se.awsErrorDetails().errorCode();
      String msg = se.awsErrorDetails() == null ? null : se.awsErrorDetails().errorMessage();
      text =
          "HTTP "
              + se.statusCode()
              + (code == null ? "" : " " + code)
              + (msg == null || msg.isEmpty() ? "" : ": " + msg);
    } else {
      Throwable root = e;
      String msg = e.getMessage();
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      text = msg == null ? e.getClass().getSimpleName() : msg;
      if (root != e
          && root.getMessage() != null
          && (msg == null || !msg.contains(root.getMessage()))) {
        text = text + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
      }
    }
    return redact(text);
  }

  private String redact(String s) {
    String out = s;
    for (String secret : secrets) {
      out = out.replace(secret, REDACTED);
    }
    return out;
  }

  /**
   * The failure as a cause: itself when its message chain holds no secret, else a redacted copy.
   */
  private Throwable sanitized(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !redact(m).equals(m)) {
        IOException copy = new IOException(e.getClass().getName() + ": " + describe(e));
        copy.setStackTrace(e.getStackTrace());
        return copy;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return e;
  }
}
