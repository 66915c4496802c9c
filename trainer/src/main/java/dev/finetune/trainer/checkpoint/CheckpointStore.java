package dev.finetune.trainer.checkpoint;

import dev.finetune.contract.CheckpointManifest;
import dev.finetune.contract.RunIdentity;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A run's checkpoints in an {@link ObjectStore}, in the contract's {@link StorageLayout}: a {@link
 * CheckpointWriter} (the write protocol and retention) and a {@link CheckpointReader} (listing,
 * verifying and loading) over the same location. Checkpoint manifests are {@link
 * CheckpointManifest}s. The final model and the location's ownership are {@link FinalModelStore}'s.
 *
 * <p>A checkpoint exists only once its manifest is written; folders without a manifest are ignored.
 * Only files that this trainer wrote are ever deleted: those a manifest or writing.json lists.
 * Anything else under the URI (a user's files in an existing folder, {@code ckpt-*} folders that
 * another tool made) is left in place and logged. Each manifest records the {@link RunIdentity}
 * that wrote it; a store with an identity resumes only from that run's checkpoints.
 */
public final class CheckpointStore {
  public static final String CHECKPOINTS = StorageLayout.CHECKPOINTS;
  public static final String MODEL = StorageLayout.MODEL;
  public static final String MANIFEST = StorageLayout.MANIFEST;
  public static final String STATE = StorageLayout.STATE;
  public static final String WRITING = StorageLayout.WRITING;
  public static final int FORMAT_VERSION = CheckpointManifest.FORMAT_VERSION;

  private final CheckpointFolders folders;
  private final CheckpointWriter writer;
  private final CheckpointReader reader;

  /** A store keeping the newest keep (at least 1) checkpoints, recording no run identity. */
  public CheckpointStore(ObjectStore store, int keep) {
    this(store, keep, Clock.systemUTC(), null);
  }

  /** A store whose manifests record {@code identity}, which it resumes only from. */
  public CheckpointStore(ObjectStore store, int keep, RunIdentity identity) {
    this(store, keep, Clock.systemUTC(), identity);
  }

  public CheckpointStore(ObjectStore store, int keep, Clock clock) {
    this(store, keep, clock, null);
  }

  public CheckpointStore(ObjectStore store, int keep, Clock clock, RunIdentity identity) {
    this.folders = new CheckpointFolders(store, identity);
    this.writer = new CheckpointWriter(folders, keep, clock);
    this.reader = new CheckpointReader(folders);
  }

  public ObjectStore objectStore() {
    return folders.store();
  }

  public int keep() {
    return writer.keep();
  }

  /** ckpt-&lt;step zero-padded to 12 digits&gt;. */
  public static String checkpointName(long step) {
    return StorageLayout.checkpointFolder(step);
  }

  /** The URI of the named checkpoint's folder. */
  public String checkpointUri(String name) {
    return folders.checkpointUri(name);
  }

  /** The URI of the final model's folder, e.g. s3://bucket/run/model. */
  public String finalModelUri() {
    return folders.finalModelUri();
  }

  /**
   * Writes a checkpoint: every file, then state.json, then manifest.json; then deletes old
   * checkpoints beyond the newest {@code keep}. If a checkpoint with the same step exists, its
   * manifest is deleted first (it is being replaced). If a write fails, the exception propagates
   * and nothing is deleted.
   *
   * @param files file name (a relative key such as "weights.safetensors") to content
   * @param state JSON-serialisable training state (optimizer settings, RNG seeds, metrics...)
   */
  public CheckpointInfo save(
      int epoch, long step, Map<String, byte[]> files, Map<String, Object> state)
      throws IOException {
    return writer.save(epoch, step, files, state);
  }

  /** Checkpoints whose manifest exists and parses, oldest first. Cheap: files are not verified. */
  public List<CheckpointInfo> listValid() throws IOException {
    return reader.listValid();
  }

  /** The newest checkpoint with a parsable manifest (not verified), if any. */
  public Optional<CheckpointInfo> newest() throws IOException {
    List<CheckpointInfo> valid = listValid();
    return valid.isEmpty() ? Optional.empty() : Optional.of(valid.get(valid.size() - 1));
  }

  /**
   * The newest checkpoint whose files all match its manifest (size and sha256). Each invalid
   * checkpoint on the way is reported to warnings, e.g. "checkpoint ckpt-000000000120 is invalid:
   * weights.safetensors sha256 mismatch; falling back to ckpt-000000000080". Storage failures
   * (TrainerException STORAGE_UNAVAILABLE, IOException) propagate instead of falling back.
   */
  public Optional<LoadedCheckpoint> loadNewestValid(Consumer<String> warnings) throws IOException {
    return reader.loadNewestValid(warnings);
  }

  static String sha256(byte[] bytes) {
    return CheckpointFolders.sha256(bytes);
  }
}
