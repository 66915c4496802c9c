package dev.finetune.trainer.storage;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.Keys;
import dev.finetune.contract.S3Env;
import dev.finetune.contract.S3Settings;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
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
 * An {@link ObjectStore} on an S3 bucket prefix (s3://bucket/prefix), for AWS S3, MinIO or s3proxy.
 *
 * <p>Configuration comes from an environment map: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
 * (optional AWS_SESSION_TOKEN; without keys the SDK default chain is used), AWS_REGION (or
 * AWS_DEFAULT_REGION; default us-east-1), AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (a custom
 * endpoint switches to path-style addressing). Every request goes through {@link S3Retry}:
 * transient failures are retried until {@link S3Settings#retryDeadline()}, others are classified
 * into exit codes, and secret values never appear in messages or logs.
 */
public final class S3ObjectStore implements ObjectStore {
  private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);

  private final String bucket;
  private final String root;
  private final S3Settings settings;
  private final S3Client s3;
  private final S3Retry retry;
  private final java.util.concurrent.atomic.AtomicLong multipartParts =
      new java.util.concurrent.atomic.AtomicLong();

  /** The store on s3://bucket/prefix configured from env, with {@link S3Settings#fromEnv}. */
  public S3ObjectStore(String bucket, String prefix, Map<String, String> env) {
    this(bucket, prefix, env, S3Settings.fromEnv(env));
  }

  public S3ObjectStore(String bucket, String prefix, Map<String, String> env, S3Settings settings) {
    this(bucket, prefix, env, settings, new StorageHealth());
  }

  /** As above, reporting retries and recoveries to {@code health}. */
  public S3ObjectStore(
      String bucket,
      String prefix,
      Map<String, String> env,
      S3Settings settings,
      StorageHealth health) {
    if (bucket == null || bucket.isEmpty()) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC, "S3 URI has no bucket: expected" + " s3://bucket/prefix");
    }
    this.bucket = bucket;
    this.root = Keys.normalizeRoot(prefix);
    this.settings = settings;
    S3Env s3Env = S3Env.from(env);
    this.retry = new S3Retry(bucket, settings, health, s3Env.secrets());
    this.s3 = buildClient(s3Env, settings);
  }

  private S3Client buildClient(S3Env env, S3Settings st) {
    String region = env.region();
    String endpoint = env.endpoint();
    S3ClientBuilder b =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
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
        throw new TrainerException(
            ExitCode.INVALID_SPEC, "AWS_ENDPOINT_URL is not a valid URL: " + endpoint);
      }
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new TrainerException(
            ExitCode.INVALID_SPEC,
            "AWS_ENDPOINT_URL must be an"
                + " http:// or https:// URL with a host, got: "
                + endpoint);
      }
      b.endpointOverride(uri).forcePathStyle(true);
    }
    log.debug(
        "S3 store {} (region {}, endpoint {})",
        uri(),
        region,
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
      throw new TrainerException(
          ExitCode.STORAGE_DENIED,
          "S3 credentials are incomplete: "
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
    return retry.location(fullKey);
  }

  private <T> T call(String op, String fullKey, S3Retry.S3Call<T> c) throws IOException {
    return retry.call(op, fullKey, c);
  }

  // ---------------------------------------------------------------- operations

  @Override
  public void put(String key, Path file) throws IOException {
    String k = fullKey(key);
    long size = Files.size(file);
    if (size > settings.multipartThreshold()) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        multipart(
            k,
            size,
            (offset, len) -> {
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
    call(
        "put",
        k,
        () ->
            s3.putObject(
                r -> r.bucket(bucket).key(k).contentLength(size), RequestBody.fromFile(file)));
  }

  @Override
  public void put(String key, byte[] bytes) throws IOException {
    String k = fullKey(key);
    if (bytes.length > settings.multipartThreshold()) {
      multipart(
          k,
          bytes.length,
          (offset, len) -> Arrays.copyOfRange(bytes, (int) offset, (int) offset + len));
      return;
    }
    call(
        "put",
        k,
        () ->
            s3.putObject(
                r -> r.bucket(bucket).key(k).contentLength((long) bytes.length),
                RequestBody.fromBytes(bytes)));
  }

  private interface PartSource {
    byte[] read(long offset, int len) throws IOException;
  }

  private void multipart(String k, long size, PartSource source) throws IOException {
    String uploadId =
        call(
            "create multipart upload",
            k,
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
        String etag =
            call(
                "upload part " + n,
                k,
                () ->
                    s3.uploadPart(
                            r ->
                                r.bucket(bucket)
                                    .key(k)
                                    .uploadId(uploadId)
                                    .partNumber(n)
                                    .contentLength((long) data.length),
                            RequestBody.fromBytes(data))
                        .eTag());
        parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        multipartParts.incrementAndGet();
      }
      log.debug("completing multipart upload of {} ({} parts)", location(k), parts.size());
      call(
          "complete multipart upload",
          k,
          () ->
              s3.completeMultipartUpload(
                  r ->
                      r.bucket(bucket)
                          .key(k)
                          .uploadId(uploadId)
                          .multipartUpload(m -> m.parts(parts))));
      done = true;
    } finally {
      if (!done) {
        try {
          s3.abortMultipartUpload(r -> r.bucket(bucket).key(k).uploadId(uploadId));
        } catch (RuntimeException e) {
          log.warn("could not abort multipart upload of {}: {}", location(k), retry.describe(e));
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
    Path tmp =
        Files.createTempFile(dir, "." + abs.getFileName() + ".", FileObjectStore.TEMP_SUFFIX);
    try {
      boolean found =
          call(
              "get",
              k,
              () -> {
                try (ResponseInputStream<GetObjectResponse> in =
                        s3.getObject(r -> r.bucket(bucket).key(k));
                    OutputStream out = S3Retry.localOutput(Files.newOutputStream(tmp))) {
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
    return call(
        "read",
        k,
        () -> {
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
    return call(
        "open",
        k,
        () -> {
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
      ListObjectsV2Response page =
          call(
              "list",
              full,
              () ->
                  s3.listObjectsV2(
                      r ->
                          r.bucket(bucket)
                              .prefix(full.isEmpty() ? null : full)
                              .continuationToken(t)));
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
    call(
        "delete",
        k,
        () -> {
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
}
