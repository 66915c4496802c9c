package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.S3Uri;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * {@code s3://BUCKET/KEY} through the {@link ObjectStore} that {@code opener} returns for {@code
 * "s3://BUCKET"}. A KEY with no object is treated as a folder: every object under {@code KEY/} is
 * downloaded. Objects and folders are cached under the URI.
 */
final class S3Source implements UriSource {
  private final DownloadCache cache;
  private final Function<String, ObjectStore> opener;

  S3Source(DownloadCache cache, Function<String, ObjectStore> opener) {
    this.cache = cache;
    this.opener = opener;
  }

  @Override
  public Path fetch(String field, String base) throws IOException {
    S3Uri uri;
    try {
      uri = S3Uri.parse(base);
    } catch (IllegalArgumentException e) {
      throw new TrainerException(ExitCode.INVALID_SPEC, field + ": " + e.getMessage());
    }
    String bucket = uri.bucket();
    String key = uri.key();
    Path cached = cache.blob(base);
    if (cached != null) {
      return cache.materialize(cached, base);
    }
    Path dirCache = cache.folder(base);
    if (Files.isDirectory(dirCache)) {
      return dirCache;
    }
    try (ObjectStore store = opener.apply("s3://" + bucket)) {
      if (!key.isEmpty()) {
        Path tmp = cache.tempPath("s3-");
        if (store.get(key, tmp)) {
          Path blob;
          try (InputStream in = Files.newInputStream(tmp)) {
            blob = cache.store(base, in, Fetcher.fileName(key, "object"));
          } finally {
            Files.deleteIfExists(tmp);
          }
          return cache.materialize(blob, base);
        }
      }
      String prefix = key.isEmpty() ? "" : key + "/";
      List<String> keys = store.list(prefix);
      if (keys.isEmpty()) {
        throw new TrainerException(
            ExitCode.NOT_FOUND, base + ": no such object, and no objects" + " under " + prefix);
      }
      Path tmpDir = cache.tempPath("s3dir-");
      for (String k : keys) {
        String relative = k.substring(prefix.length());
        if (relative.isEmpty() || relative.endsWith("/")) {
          continue;
        }
        Path out = tmpDir;
        for (String part : relative.split("/")) {
          if (part.isEmpty() || part.equals(".") || part.equals("..")) {
            throw new TrainerException(
                ExitCode.ARCHIVE_UNSAFE,
                base + ": object key '" + k + "' has an empty, '.' or '..' path component");
          }
          out = out.resolve(ArchiveExtractor.fsName(part));
        }
        Files.createDirectories(out.getParent());
        if (!store.get(k, out)) {
          throw new TrainerException(
              ExitCode.NOT_FOUND,
              "s3://" + bucket + "/" + k + " vanished while downloading " + base);
        }
      }
      return cache.publish(tmpDir, dirCache);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
