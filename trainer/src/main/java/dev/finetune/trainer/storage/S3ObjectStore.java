package dev.finetune.trainer.storage;

import dev.finetune.contract.Keys;
import dev.finetune.contract.S3Env;
import dev.finetune.contract.S3Settings;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} on an S3 bucket prefix (s3://bucket/prefix), for AWS S3, MinIO or
 * s3proxy.
 *
 * <p>Configuration comes from an environment map: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 * (optional AWS_SESSION_TOKEN; without keys the SDK default chain is used), AWS_REGION (or
 * AWS_DEFAULT_REGION; default us-east-1), AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (a custom
 * endpoint switches to path-style addressing). Transient failures (connection errors, timeouts,
 * 5xx, throttling) are retried with exponential backoff and jitter until {@link
 * S3Settings#retryDeadline()} has passed, then a {@link TrainerException} with {@link
 * ExitCode#STORAGE_UNAVAILABLE} is thrown. Rejected credentials are a permanent {@link
 * ExitCode#STORAGE_DENIED} error. Secret values never appear in messages or logs.
 */
public final class S3ObjectStore implements ObjectStore {
  private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);
  private static final String REDACTED = "****";
  private static final Set<String> TRANSIENT_CODES = Set.of("SlowDown", "Throttling",
      "ThrottlingException", "RequestTimeout", "RequestTimeoutException", "InternalError",
      "ServiceUnavailable", "RequestLimitExceeded", "TooManyRequestsException",
      "ProvisionedThroughputExceededException", "BandwidthLimitExceeded");
  private static final Set<String> CREDENTIAL_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
      "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
      "InvalidSecurity", "AuthorizationHeaderMalformed", "AccountProblem", "AllAccessDisabled");

  private final String bucket;
  private final String root;
  private final S3Settings settings;
  private final S3Client s3;
  private final List<String> secrets;
  private final StorageHealth health;
  private final java.util.concurrent.atomic.AtomicLong multipartParts =
      new java.util.concurrent.atomic.AtomicLong();

  /** The store on s3://bucket/prefix configured from env, with {@link S3Settings#fromEnv}. */
  public S3ObjectStore(String bucket, String prefix, Map<String, String> env) {
    this(bucket, prefix, env, S3Settings.fromEnv(env));
  }

  public S3ObjectStore(String bucket, String prefix, Map<String, String> env,
      S3Settings settings) {
    this(bucket, prefix, env, settings, new StorageHealth());
  }

  /** As above, reporting retries and recoveries to {@code health}. */
  public S3ObjectStore(String bucket, String prefix, Map<String, String> env,
      S3Settings settings, StorageHealth health) {
    if (bucket == null || bucket.isEmpty()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, "S3 URI has no bucket: expected"
          + " s3://bucket/prefix");
    }
    this.bucket = bucket;
    this.root = Keys.normalizeRoot(prefix);
    this.settings = settings;
    this.health = health;
    S3Env s3Env = S3Env.from(env);
    this.secrets = new ArrayList<>(s3Env.secrets());
    this.s3 = buildClient(s3Env, settings);
  }

  private S3Client buildClient(S3Env env, S3Settings st) {
    String region = env.region();
    String endpoint = env.endpoint();
    S3ClientBuilder b = S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(st.connectTimeout())
            .socketTimeout(st.socketTimeout()))
        .region(Region.of(region))
        .credentialsProvider(credentials(env))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (endpoint != null) {
      URI uri;
      try {
        uri = URI.create(endpoint.trim());
      } catch (IllegalArgumentException e) {
        throw new TrainerException(ExitCode.INVALID_SPEC,
            "AWS_ENDPOINT_URL is not a valid URL: " + endpoint);
      }
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new TrainerException(ExitCode.INVALID_SPEC, "AWS_ENDPOINT_URL must be an"
            + " http:// or https:// URL with a host, got: " + endpoint);
      }
      b.endpointOverride(uri).forcePathStyle(true);
    }
    log.debug("S3 store {} (region {}, endpoint {})", uri(), region,
        endpoint == null ? "AWS default" : endpoint);
    return b.build();
  }

  private static AwsCredentialsProvider credentials(S3Env env) {
    String id = env.accessKeyId();
    String secret = env.secretAccessKey();
    String token = env.sessionToken();
    boolean hasId = id != null;
    boolean hasSecret = secret != null;
    if (hasId != hasSecret) {
      throw new TrainerException(ExitCode.STORAGE_DENIED, "S3 credentials are incomplete: "
          + (hasId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")
          + " is missing (set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither to"
          + " use the default credential chain)");
    }
    if (!hasId) {
      return DefaultCredentialsProvider.builder().build();
    }
    if (token != null) {
      return StaticCredentialsProvider.create(AwsSessionCredentials.create(id, secret, token));
    }
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
  }

  public String bucket() {
    return bucket;
  }

  /** Number of multipart parts uploaded so far (for tests and metrics). */
  public long multipartPartsUploaded() {
    return multipartParts.get();
  }

  public S3Settings settings() {
    return settings;
  }

  private String fullKey(String key) {
    Keys.check(key);
    return root.isEmpty() ? key : root + "/" + key;
  }

  private String location(String fullKey) {
    return "s3://" + bucket + "/" + fullKey;
  }

  // ---------------------------------------------------------------- operations

  @Override
  public void put(String key, Path file) throws IOException {
    String k = fullKey(key);
    long size = Files.size(file);
    if (size > settings.multipartThreshold()) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        multipart(k, size, (offset, len) -> {
          ByteBuffer buf = ByteBuffer.allocate(len);
          while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
              throw new IOException(file + " shrank while it was uploaded");
            }
          }
          return buf.array();
        });
      }
      return;
    }
    call("put", k, () -> s3.putObject(r -> r.bucket(bucket).key(k).contentLength(size),
        RequestBody.fromFile(file)));
  }

  @Override
  public void put(String key, byte[] bytes) throws IOException {
    String k = fullKey(key);
    if (bytes.length > settings.multipartThreshold()) {
      multipart(k, bytes.length,
          (offset, len) -> Arrays.copyOfRange(bytes, (int) offset, (int) offset + len));
      return;
    }
    call("put", k, () -> s3.putObject(r -> r.bucket(bucket).key(k).contentLength(
        (long) bytes.length), RequestBody.fromBytes(bytes)));
  }

  private interface PartSource {
    byte[] read(long offset, int len) throws IOException;
  }

  private void multipart(String k, long size, PartSource source) throws IOException {
    String uploadId = call("create multipart upload", k,
        () -> s3.createMultipartUpload(r -> r.bucket(bucket).key(k)).uploadId());
    boolean done = false;
    try {
      List<CompletedPart> parts = new ArrayList<>();
      int partSize = settings.partSize();
      int partNumber = 1;
      for (long offset = 0; offset < size; offset += partSize, partNumber++) {
        int len = (int) Math.min(partSize, size - offset);
        byte[] data = source.read(offset, len);
        int n = partNumber;
        String etag = call("upload part " + n, k, () -> s3.uploadPart(r -> r.bucket(bucket)
            .key(k).uploadId(uploadId).partNumber(n).contentLength((long) data.length),
            RequestBody.fromBytes(data)).eTag());
        parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        multipartParts.incrementAndGet();
      }
      log.debug("completing multipart upload of {} ({} parts)", location(k), parts.size());
      call("complete multipart upload", k, () -> s3.completeMultipartUpload(r -> r.bucket(bucket)
          .key(k).uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
      done = true;
    } finally {
      if (!done) {
        try {
          s3.abortMultipartUpload(r -> r.bucket(bucket).key(k).uploadId(uploadId));
        } catch (RuntimeException e) {
          log.warn("could not abort multipart upload of {}: {}", location(k), describe(e));
        }
      }
    }
  }

  @Override
  public boolean get(String key, Path target) throws IOException {
    String k = fullKey(key);
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".",
        FileObjectStore.TEMP_SUFFIX);
    try {
      boolean found = call("get", k, () -> {
        try (ResponseInputStream<GetObjectResponse> in =
                s3.getObject(r -> r.bucket(bucket).key(k));
            OutputStream out = new LocalOutput(Files.newOutputStream(tmp))) {
          in.transferTo(out);
          return true;
        } catch (NoSuchKeyException e) {
          return false;
        }
      });
      if (found) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      return found;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public Optional<byte[]> read(String key) throws IOException {
    String k = fullKey(key);
    return call("read", k, () -> {
      try {
        return Optional.of(s3.getObjectAsBytes(r -> r.bucket(bucket).key(k)).asByteArray());
      } catch (NoSuchKeyException e) {
        return Optional.empty();
      }
    });
  }

  @Override
  public Optional<InputStream> open(String key) throws IOException {
    String k = fullKey(key);
    return call("open", k, () -> {
      try {
        return Optional.of(s3.getObject(r -> r.bucket(bucket).key(k)));
      } catch (NoSuchKeyException e) {
        return Optional.empty();
      }
    });
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    String p = Keys.checkPrefix(prefix);
    String rootSlash = root.isEmpty() ? "" : root + "/";
    String full = rootSlash + p;
    List<String> keys = new ArrayList<>();
    String token = null;
    do {
      String t = token;
      ListObjectsV2Response page = call("list", full, () -> s3.listObjectsV2(r -> r.bucket(bucket)
          .prefix(full.isEmpty() ? null : full).continuationToken(t)));
      for (S3Object o : page.contents()) {
        if (o.key().startsWith(rootSlash)) {
          keys.add(o.key().substring(rootSlash.length()));
        }
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    keys.sort(null);
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    String k = fullKey(key);
    call("delete", k, () -> {
      try {
        s3.deleteObject(r -> r.bucket(bucket).key(k));
      } catch (NoSuchKeyException e) {
        // already gone
      }
      return null;
    });
  }

  @Override
  public String uri() {
    return "s3://" + bucket + (root.isEmpty() ? "" : "/" + root);
  }

  @Override
  public void close() {
    s3.close();
  }

  @Override
  public String toString() {
    return uri();
  }

  // ---------------------------------------------------------------- retries

  @FunctionalInterface
  private interface S3Call<T> {
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

  private enum Kind { TRANSIENT, CREDENTIALS, NOT_FOUND, PERMANENT }

  private <T> T call(String op, String fullKey, S3Call<T> c) throws IOException {
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
          throw new TrainerException(ExitCode.STORAGE_DENIED, "S3 rejected the credentials for "
              + op + " of " + where + " (" + describe(failure) + "): check AWS_ACCESS_KEY_ID and"
              + " AWS_SECRET_ACCESS_KEY (or the pod's credential source) and the bucket policy",
              sanitized(failure));
        case NOT_FOUND:
          throw new TrainerException(ExitCode.NOT_FOUND, "S3 " + op + " of " + where
              + " failed: " + describe(failure) + " (does bucket '" + bucket + "' exist?)",
              sanitized(failure));
        case PERMANENT:
          throw new TrainerException(ExitCode.INTERNAL, "S3 " + op + " of " + where
              + " failed: " + describe(failure), sanitized(failure));
        default:
          break;
      }
      long now = System.nanoTime();
      if (now >= deadline) {
        throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, "object storage " + where
            + " unreachable after " + attempt + (attempt == 1 ? " attempt" : " attempts")
            + " in " + String.format(Locale.ROOT, "%.1f", (now - start) / 1e9) + " s (" + op
            + "): " + describe(failure), sanitized(failure));
      }
      long sleep = Math.min(backoffNanos(attempt), deadline - now);
      health.retrying();
      log.warn("S3 {} of {} failed (attempt {}): {}; retrying in {} ms", op, where, attempt,
          describe(failure), sleep / 1_000_000);
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
      if (se.isThrottlingException() || status >= 500 || status == 429 || status == 408
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
      if (m.contains("unable to load credentials") || m.contains("credentials provider")
          || m.contains("access key id")) {
        return Kind.CREDENTIALS;
      }
      return Kind.TRANSIENT;
    }
    return Kind.TRANSIENT; // network IOExceptions while streaming a response
  }

  /** A one-line description of a failure, without secret values. */
  private String describe(Throwable e) {
    String text;
    if (e instanceof AwsServiceException) {
      AwsServiceException se = (AwsServiceException) e;
      String code = se.awsErrorDetails() == null ? null : se.awsErrorDetails().errorCode();
      String msg = se.awsErrorDetails() == null ? null : se.awsErrorDetails().errorMessage();
      text = "HTTP " + se.statusCode() + (code == null ? "" : " " + code)
          + (msg == null || msg.isEmpty() ? "" : ": " + msg);
    } else {
      Throwable root = e;
      String msg = e.getMessage();
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      text = msg == null ? e.getClass().getSimpleName() : msg;
      if (root != e && root.getMessage() != null && (msg == null
          || !msg.contains(root.getMessage()))) {
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
