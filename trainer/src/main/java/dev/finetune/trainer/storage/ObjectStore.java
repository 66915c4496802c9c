package dev.finetune.trainer.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A flat key/value blob store: a local directory (file://) or an S3 bucket prefix (s3://). Keys are
 * relative, '/'-separated. Implementations retry transient failures with backoff and then throw
 * {@link dev.finetune.trainer.error.TrainerException} with STORAGE_UNAVAILABLE.
 */
public interface ObjectStore extends AutoCloseable {
  /** Writes the file's bytes under key, replacing any existing object atomically. */
  void put(String key, Path file) throws IOException;

  /** Writes bytes under key, replacing any existing object atomically. */
  void put(String key, byte[] bytes) throws IOException;

  /** Copies the object to the local file; empty if it does not exist. */
  boolean get(String key, Path target) throws IOException;

  /** The object's bytes, or empty if it does not exist. */
  Optional<byte[]> read(String key) throws IOException;

  /** Opens the object for streaming; the caller closes it. Empty if it does not exist. */
  Optional<InputStream> open(String key) throws IOException;

  /** Keys under the prefix ("" lists everything), sorted. */
  List<String> list(String prefix) throws IOException;

  /** Deletes the object; no error if absent. */
  void delete(String key) throws IOException;

  /** Human-readable root, e.g. s3://bucket/prefix or file:///dir, for messages and status. */
  String uri();

  @Override
  void close();
}
