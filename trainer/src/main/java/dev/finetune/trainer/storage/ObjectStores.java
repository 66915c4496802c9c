package dev.finetune.trainer.storage;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.S3Settings;
import dev.finetune.contract.S3Uri;
import dev.finetune.trainer.error.TrainerException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Opens the {@link ObjectStore} for a storage URI: file:///dir or s3://bucket/prefix. */
public final class ObjectStores {
  private ObjectStores() {}

  /** Opens uri with the process environment for S3 configuration. */
  public static ObjectStore open(String uri) {
    return open(uri, System.getenv());
  }

  /**
   * Opens uri. file:///abs/dir (or file:/abs/dir) is a {@link FileObjectStore}; s3://bucket/prefix
   * is an {@link S3ObjectStore} configured from env (see there).
   *
   * @throws TrainerException UNSUPPORTED for any other scheme, INVALID_SPEC for malformed URIs
   */
  public static ObjectStore open(String uri, Map<String, String> env) {
    return open(uri, env, S3Settings.fromEnv(env));
  }

  /** As {@link #open(String, Map)}, reporting S3 retries and recoveries to {@code health}. */
  public static ObjectStore open(String uri, Map<String, String> env, StorageHealth health) {
    return open(uri, env, S3Settings.fromEnv(env), health);
  }

  /** As {@link #open(String, Map)} with explicit S3 settings (tests lower timeouts). */
  public static ObjectStore open(String uri, Map<String, String> env, S3Settings s3Settings) {
    return open(uri, env, s3Settings, new StorageHealth());
  }

  /** As {@link #open(String, Map, S3Settings)}, reporting to {@code health}. */
  public static ObjectStore open(
      String uri, Map<String, String> env, S3Settings s3Settings, StorageHealth health) {
    if (uri == null || uri.isBlank()) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC, "storage URI is empty: allowed schemes are file:// and s3://");
    }
    String u = uri.trim();
    int colon = u.indexOf(':');
    String scheme = colon > 0 ? u.substring(0, colon).toLowerCase(java.util.Locale.ROOT) : "";
    switch (scheme) {
      case "file":
        return openFile(u);
      case "s3":
        return openS3(u, env, s3Settings, health);
      default:
        throw new TrainerException(
            ExitCode.UNSUPPORTED,
            "unsupported storage URI '"
                + u
                + "'"
                + (scheme.isEmpty() ? " (no scheme)" : " (scheme " + scheme + ")")
                + ": allowed schemes are file:// and s3://");
    }
  }

  private static ObjectStore openFile(String u) {
    URI parsed;
    try {
      parsed = URI.create(u);
    } catch (IllegalArgumentException e) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC, "storage URI '" + u + "' is malformed: " + e.getMessage());
    }
    String host = parsed.getHost() != null ? parsed.getHost() : parsed.getAuthority();
    if (host != null && !host.isEmpty() && !host.equals("localhost")) {
      throw new TrainerException(
          ExitCode.UNSUPPORTED,
          "storage URI '"
              + u
              + "' names host '"
              + host
              + "': file URIs must be local and absolute, e.g. file:///data/run1");
    }
    String path = parsed.getPath();
    if (path == null || !path.startsWith("/")) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          "storage URI '" + u + "' has no absolute path: use file:///abs/dir");
    }
    return new FileObjectStore(Path.of(path));
  }

  private static ObjectStore openS3(
      String u, Map<String, String> env, S3Settings settings, StorageHealth health) {
    if (!S3Uri.isS3(u)) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC, "storage URI '" + u + "' is malformed: use s3://bucket/prefix");
    }
    S3Uri s3;
    try {
      s3 = S3Uri.parse(u);
    } catch (IllegalArgumentException e) {
      throw new TrainerException(ExitCode.INVALID_SPEC, "storage URI " + e.getMessage());
    }
    String bucket = s3.bucket();
    String prefix = s3.key();
    try {
      return new S3ObjectStore(bucket, prefix, env, settings, health);
    } catch (IllegalArgumentException e) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC, "storage URI '" + u + "': " + e.getMessage());
    }
  }
}
