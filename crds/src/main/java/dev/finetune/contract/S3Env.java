package dev.finetune.contract;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The S3 connection settings both processes read from environment-style variables: the trainer from
 * its environment, the operator from {@code spec.checkpoints.credentialsSecret} (the same Secret is
 * the trainer pod's environment). AWS_REGION or AWS_DEFAULT_REGION (default us-east-1);
 * AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (a custom endpoint means path-style addressing, as for
 * MinIO); AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. Blank values count as unset;
 * values are trimmed.
 *
 * @param endpoint null for AWS's own endpoints
 * @param accessKeyId null when unset
 * @param secretAccessKey null when unset
 * @param sessionToken null when unset
 */
public record S3Env(
    String region,
    String endpoint,
    String accessKeyId,
    String secretAccessKey,
    String sessionToken) {
  public static final String DEFAULT_REGION = "us-east-1";

  /** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens. */
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  public static boolean isBucketName(String name) {
    return name != null && BUCKET.matcher(name).matches();
  }

  public static S3Env from(Map<String, String> env) {
    return new S3Env(
        first(env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"), DEFAULT_REGION),
        first(env.get("AWS_ENDPOINT_URL_S3"), env.get("AWS_ENDPOINT_URL"), null),
        first(env.get("AWS_ACCESS_KEY_ID"), null, null),
        first(env.get("AWS_SECRET_ACCESS_KEY"), null, null),
        first(env.get("AWS_SESSION_TOKEN"), null, null));
  }

  /** The values that must never appear in a message or log line. */
  public List<String> secrets() {
    return java.util.stream.Stream.of(secretAccessKey, sessionToken)
        .filter(s -> s != null && !s.isEmpty())
        .toList();
  }

  private static String first(String a, String b, String fallback) {
    if (a != null && !a.isBlank()) {
      return a.trim();
    }
    return b != null && !b.isBlank() ? b.trim() : fallback;
  }
}
