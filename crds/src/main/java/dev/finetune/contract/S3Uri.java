package dev.finetune.contract;

/**
 * An {@code s3://BUCKET[/KEY]} URI, parsed in one place for both processes: the operator's storage
 * reader, the trainer's object stores and its dataset fetcher.
 *
 * @param bucket a valid bucket name ({@link S3Env#isBucketName})
 * @param key everything after {@code BUCKET/}, without leading or trailing '/'; "" for none
 */
public record S3Uri(String bucket, String key) {
  private static final String SCHEME = "s3://";

  public S3Uri {
    if (!S3Env.isBucketName(bucket)) {
      throw new IllegalArgumentException(
          "invalid S3 bucket name '"
              + bucket
              + "': 3-63"
              + " lowercase letters, digits, '.' and '-'");
    }
    key = trimSlashes(key == null ? "" : key);
  }

  /** True when {@code uri} starts with {@code s3://} (in any case). */
  public static boolean isS3(String uri) {
    return uri != null && uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
  }

  /**
   * Parses {@code s3://BUCKET[/KEY]} (the scheme in any case).
   *
   * @throws IllegalArgumentException naming {@code uri} when it is null, not an s3:// URI, or has
   *     no valid bucket name
   */
  public static S3Uri parse(String uri) {
    if (!isS3(uri)) {
      throw new IllegalArgumentException("'" + uri + "' is not an S3 URI: use s3://BUCKET/KEY");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    if (!S3Env.isBucketName(bucket)) {
      throw new IllegalArgumentException(
          "'"
              + uri
              + "' has an invalid bucket name '"
              + bucket
              + "': use s3://BUCKET/KEY with a bucket of 3-63 lowercase letters, digits, '.' and"
              + " '-'");
    }
    return new S3Uri(bucket, slash < 0 ? "" : rest.substring(slash + 1));
  }

  /** The key as a folder prefix: "" or {@code key + "/"}. */
  public String prefix() {
    return key.isEmpty() ? "" : key + "/";
  }

  /** {@code s3://BUCKET} or {@code s3://BUCKET/KEY}. */
  @Override
  public String toString() {
    return SCHEME + bucket + (key.isEmpty() ? "" : "/" + key);
  }

  private static String trimSlashes(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '/') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '/') {
      end--;
    }
    return s.substring(start, end);
  }
}
