package dev.finetune.operator.storage;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.S3Env;
import dev.finetune.contract.S3Uri;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The S3 prefix of one FineTuneJob ({@code spec.checkpoints.uri}), opened with the credentials in
 * {@code spec.checkpoints.credentialsSecret}: the same Secret keys the trainer gets as environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional AWS_SESSION_TOKEN, AWS_REGION or
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; a custom endpoint means path-style
 * addressing, as for MinIO). No SDK retries: the caller decides when to try again. Keys are
 * relative to the prefix.
 */
public final class S3Storage implements AutoCloseable {
  private final S3Client s3;
  private final String bucket;
  private final String root;
  private final List<String> secrets;

  private S3Storage(S3Client s3, String bucket, String root, List<String> secrets) {
    this.s3 = s3;
    this.bucket = bucket;
    this.root = root;
    this.secrets = secrets;
  }

  /** True when the operator can read this job's storage: an s3:// URI and a Secret name. */
  public static boolean configured(FineTuneJob ftj) {
    var c = ftj.getSpec().checkpoints;
    return c != null
        && c.uri != null
        && c.uri.startsWith("s3://")
        && c.credentialsSecret != null
        && !c.credentialsSecret.isBlank();
  }

  /** Reads the Secret through the API server and builds a client; nothing is sent to S3 yet. */
  public static S3Storage open(KubernetesClient client, FineTuneJob ftj, Duration timeout)
      throws StorageException {
    return open(
        client,
        ftj.getMetadata().getNamespace(),
        ftj.getSpec().checkpoints.uri,
        ftj.getSpec().checkpoints.credentialsSecret,
        timeout);
  }

  /**
   * Any s3:// prefix with a Secret of namespace {@code ns} (a FineTuneSweep's template
   * checkpoints.uri, for promotion), read like a FineTuneJob's.
   */
  public static S3Storage open(
      KubernetesClient client,
      String ns,
      String checkpointsUri,
      String secretName,
      Duration timeout)
      throws StorageException {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(ns).withName(secretName).get();
    } catch (KubernetesClientException e) {
      throw new StorageException(
          "cannot read Secret " + ns + "/" + secretName + " (HTTP " + e.getCode() + ")");
    }
    if (secret == null) {
      throw new StorageException(
          "Secret "
              + ns
              + "/"
              + secretName
              + " (spec.checkpoints.credentialsSecret) does not exist");
    }
    Map<String, String> env = decode(secret);
    S3Uri uri;
    try {
      uri = S3Uri.parse(checkpointsUri);
    } catch (IllegalArgumentException e) {
      throw new StorageException("spec.checkpoints.uri: " + e.getMessage());
    }
    S3Env s3Env = S3Env.from(env);
    List<String> secrets = s3Env.secrets();
    try {
      return new S3Storage(client(s3Env, timeout), uri.bucket(), uri.prefix(), secrets);
    } catch (IllegalArgumentException | SdkException e) {
      throw new StorageException(
          "cannot configure S3 client from Secret "
              + secretName
              + ": "
              + redact(e.getMessage(), secrets));
    }
  }

  private static Map<String, String> decode(Secret secret) {
    Map<String, String> env = new HashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) ->
                  env.put(
                      k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8).trim()));
    }
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> env.put(k, v.trim()));
    }
    return env;
  }

  private static S3Client client(S3Env env, Duration timeout) {
    String region = env.region();
    String endpoint = env.endpoint();
    String key = env.accessKeyId();
    String secret = env.secretAccessKey();
    if (key == null || secret == null) {
      throw new IllegalArgumentException(
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are" + " required");
    }
    String token = env.sessionToken();
    AwsCredentials credentials =
        token == null
            ? AwsBasicCredentials.create(key, secret)
            : AwsSessionCredentials.create(key, secret, token);
    S3ClientBuilder b =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout))
            .region(Region.of(region))
            .credentialsProvider(StaticCredentialsProvider.create(credentials))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(timeout.multipliedBy(2)))
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (endpoint != null) {
      b.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
    }
    return b.build();
  }

  /** s3://bucket/prefix/ + key. */
  public String uri(String key) {
    return "s3://" + bucket + "/" + root + key;
  }

  /** Every key under {@code sub} (relative to the prefix) with its size in bytes, sorted. */
  public Map<String, Long> list(String sub) throws StorageException {
    Map<String, Long> out = new TreeMap<>();
    try {
      for (var page : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(root + sub))) {
        for (var o : page.contents()) {
          out.put(o.key().substring(root.length()), o.size());
        }
      }
    } catch (SdkException e) {
      throw failure("list " + uri(sub), e);
    }
    return out;
  }

  /** The object's bytes; empty when it does not exist. */
  public Optional<byte[]> read(String key) throws StorageException {
    try {
      return Optional.of(s3.getObjectAsBytes(r -> r.bucket(bucket).key(root + key)).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw failure("read " + uri(key), e);
    }
  }

  /** Copies object {@code from} to {@code to} (both relative to the prefix) inside S3. */
  public void copy(String from, String to) throws StorageException {
    try {
      s3.copyObject(
          r ->
              r.sourceBucket(bucket)
                  .sourceKey(root + from)
                  .destinationBucket(bucket)
                  .destinationKey(root + to));
    } catch (SdkException e) {
      throw failure("copy " + uri(from) + " to " + uri(to), e);
    }
  }

  /** Writes {@code bytes} as object {@code key}. */
  public void write(String key, byte[] bytes) throws StorageException {
    try {
      s3.putObject(
          r -> r.bucket(bucket).key(root + key),
          software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
    } catch (SdkException e) {
      throw failure("write " + uri(key), e);
    }
  }

  /** Deletes every object under the prefix; returns how many. */
  public int deleteAll() throws StorageException {
    int n = 0;
    for (String key : list("").keySet()) {
      try {
        s3.deleteObject(r -> r.bucket(bucket).key(root + key));
      } catch (SdkException e) {
        throw failure("delete " + uri(key), e);
      }
      n++;
    }
    return n;
  }

  private StorageException failure(String what, SdkException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new StorageException("cannot " + what + ": " + redact(message, secrets));
  }

  static String redact(String message, List<String> secrets) {
    String m = message == null ? "" : message;
    for (String s : secrets) {
      m = m.replace(s, "****");
    }
    return m;
  }

  @Override
  public void close() {
    s3.close();
  }
}
