package dev.finetune.trainer.checkpoint;

import static dev.finetune.trainer.checkpoint.CheckpointFolders.CHECKPOINTS;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.JSON;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.MANIFEST;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.STATE;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune.contract.CheckpointManifest;
import dev.finetune.trainer.checkpoint.CheckpointFolders.InvalidCheckpointException;
import dev.finetune.trainer.checkpoint.CheckpointFolders.Manifest;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists checkpoints and loads the newest one whose files match its manifest (size and sha256),
 * falling back to older ones; with a run identity, only that run's checkpoints are loaded.
 */
final class CheckpointReader {
  private static final Logger log = LoggerFactory.getLogger(CheckpointReader.class);

  private final CheckpointFolders folders;
  private final ObjectStore store;

  CheckpointReader(CheckpointFolders folders) {
    this.folders = folders;
    this.store = folders.store();
  }

  /** See {@link CheckpointStore#listValid}. */
  List<CheckpointInfo> listValid() throws IOException {
    List<CheckpointInfo> valid = new ArrayList<>();
    for (String name : withManifest()) {
      folders.readManifest(name).map(Manifest::info).ifPresent(valid::add);
    }
    valid.sort(Comparator.comparingLong(CheckpointInfo::step));
    return valid;
  }

  /** See {@link CheckpointStore#loadNewestValid}. */
  Optional<LoadedCheckpoint> loadNewestValid(Consumer<String> warnings) throws IOException {
    List<String> candidates = withManifest();
    candidates.sort(Comparator.reverseOrder()); // zero-padded: newest step first
    for (int i = 0; i < candidates.size(); i++) {
      String name = candidates.get(i);
      try {
        LoadedCheckpoint loaded = loadVerified(name);
        log.info(
            "loaded checkpoint {} (epoch {}, step {})",
            loaded.info().uri(),
            loaded.epoch(),
            loaded.step());
        return Optional.of(loaded);
      } catch (InvalidCheckpointException e) {
        String msg =
            "checkpoint "
                + name
                + " is invalid: "
                + e.getMessage()
                + (i + 1 < candidates.size()
                    ? "; falling back to " + candidates.get(i + 1)
                    : "; no older checkpoint to fall back to");
        log.warn(msg);
        if (warnings != null) {
          warnings.accept(msg);
        }
      }
    }
    return Optional.empty();
  }

  /** Names of the checkpoint folders that hold a manifest.json, oldest first. */
  private List<String> withManifest() throws IOException {
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : folders.scan().entrySet()) {
      if (e.getValue().contains(CHECKPOINTS + e.getKey() + "/" + MANIFEST)) {
        names.add(e.getKey());
      }
    }
    return names;
  }

  private LoadedCheckpoint loadVerified(String name) throws IOException {
    String dir = CHECKPOINTS + name + "/";
    Optional<byte[]> manifestBytes = store.read(dir + MANIFEST);
    if (manifestBytes.isEmpty()) {
      throw new InvalidCheckpointException(MANIFEST + " disappeared");
    }
    Manifest manifest = folders.parseManifest(name, manifestBytes.get());
    if (folders.identity() != null) {
      folders.requireSameRun(folders.checkpointUri(name), manifest.identity(), "checkpoint");
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] stateBytes = null;
    for (CheckpointManifest.File f : manifest.files()) {
      byte[] bytes = verifiedRead(dir, f);
      if (f.name().equals(STATE)) {
        stateBytes = bytes;
      } else {
        files.put(f.name(), bytes);
      }
    }
    if (stateBytes == null) {
      throw new InvalidCheckpointException(MANIFEST + " does not list " + STATE);
    }
    Map<String, Object> state;
    try {
      JsonNode root = JSON.readTree(stateBytes);
      JsonNode s = root == null ? null : root.get("state");
      if (s == null || !s.isObject()) {
        throw new InvalidCheckpointException(STATE + " has no \"state\" object");
      }
      state = JSON.convertValue(s, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new InvalidCheckpointException(STATE + " is not valid JSON");
    }
    return new LoadedCheckpoint(manifest.info(), files, state);
  }

  private byte[] verifiedRead(String dir, CheckpointManifest.File f) throws IOException {
    Optional<byte[]> bytes = store.read(dir + f.name());
    if (bytes.isEmpty()) {
      throw new InvalidCheckpointException(f.name() + " is missing");
    }
    byte[] b = bytes.get();
    if (b.length != f.size()) {
      throw new InvalidCheckpointException(
          f.name() + " has " + b.length + " bytes, manifest says " + f.size());
    }
    if (!CheckpointFolders.sha256(b).equals(f.sha256())) {
      throw new InvalidCheckpointException(f.name() + " sha256 mismatch");
    }
    return b;
  }
}
