package dev.finetune.trainer.checkpoint;

import static dev.finetune.trainer.checkpoint.CheckpointFolders.CHECKPOINTS;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.FORMAT_VERSION;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.JSON;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.MANIFEST;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.STATE;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.WRITING;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.contract.CheckpointManifest;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.checkpoint.CheckpointFolders.Manifest;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes checkpoints and keeps the newest {@code keep}: files first, then state.json, then the
 * manifest (a checkpoint exists only once its manifest is written). After a successful save,
 * checkpoints beyond the newest {@code keep} are deleted (manifest first), as are leftovers of
 * interrupted saves older than the checkpoint just written. A failed save deletes nothing.
 *
 * <p>Only files that this trainer wrote are ever deleted: those a manifest or writing.json lists.
 */
final class CheckpointWriter {
  private static final Logger log = LoggerFactory.getLogger(CheckpointWriter.class);

  private final CheckpointFolders folders;
  private final ObjectStore store;
  private final int keep;
  private final Clock clock;

  CheckpointWriter(CheckpointFolders folders, int keep, Clock clock) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1, got " + keep);
    }
    this.folders = folders;
    this.store = folders.store();
    this.keep = keep;
    this.clock = clock;
  }

  int keep() {
    return keep;
  }

  /** See {@link CheckpointStore#save}. */
  CheckpointInfo save(int epoch, long step, Map<String, byte[]> files, Map<String, Object> state)
      throws IOException {
    String name = StorageLayout.checkpointFolder(step);
    Map<String, byte[]> sorted = new TreeMap<>(files);
    for (String f : sorted.keySet()) {
      CheckpointFolders.checkFileName(f);
    }
    String dir = CHECKPOINTS + name + "/";
    Instant time = clock.instant();
    if (store.read(dir + MANIFEST).isPresent()) {
      log.warn("replacing existing checkpoint {}", folders.checkpointUri(name));
      store.delete(dir + MANIFEST);
    }
    store.put(dir + WRITING, CheckpointFolders.writing(sorted.keySet(), STATE, MANIFEST));
    List<CheckpointManifest.File> entries = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : sorted.entrySet()) {
      store.put(dir + e.getKey(), e.getValue());
      entries.add(CheckpointFolders.file(e.getKey(), e.getValue()));
    }
    ObjectNode stateJson = JSON.createObjectNode();
    stateJson.put("formatVersion", FORMAT_VERSION);
    stateJson.put("epoch", epoch);
    stateJson.put("step", step);
    stateJson.put("time", time.toString());
    stateJson.set("state", JSON.valueToTree(state == null ? Map.of() : state));
    byte[] stateBytes = JSON.writeValueAsBytes(stateJson);
    store.put(dir + STATE, stateBytes);
    entries.add(CheckpointFolders.file(STATE, stateBytes));

    var manifest = new CheckpointManifest(epoch, step, time, entries, folders.identity());
    store.put(dir + MANIFEST, JSON.writeValueAsBytes(manifest.toJson()));

    CheckpointInfo info = new CheckpointInfo(name, folders.checkpointUri(name), epoch, step, time);
    log.info("wrote checkpoint {} (epoch {}, step {})", info.uri(), epoch, step);
    try {
      retain(name);
    } catch (IOException | RuntimeException e) {
      log.warn(
          "checkpoint {} is saved, but deleting old checkpoints failed: {}", name, e.getMessage());
    }
    return info;
  }

  /** Deletes valid checkpoints beyond the newest keep, and manifest-less garbage before kept. */
  private void retain(String justWritten) throws IOException {
    Map<String, Set<String>> all = folders.scan();
    long writtenStep = CheckpointFolders.stepOf(justWritten);
    List<CheckpointInfo> valid = new ArrayList<>();
    Map<String, Manifest> manifests = new HashMap<>();
    for (Map.Entry<String, Set<String>> e : all.entrySet()) {
      if (e.getValue().contains(CHECKPOINTS + e.getKey() + "/" + MANIFEST)) {
        Optional<Manifest> m = folders.readManifest(e.getKey());
        if (m.isPresent()
            && (folders.identity() == null || folders.identity().equals(m.get().identity()))) {
          valid.add(m.get().info());
          manifests.put(e.getKey(), m.get());
        }
      }
    }
    valid.sort(Comparator.comparingLong(CheckpointInfo::step).reversed());
    Set<String> kept = new HashSet<>();
    kept.add(justWritten);
    for (int i = 0; i < Math.min(keep, valid.size()); i++) {
      kept.add(valid.get(i).name());
    }
    Set<String> validNames = new HashSet<>();
    valid.forEach(v -> validNames.add(v.name()));
    for (Map.Entry<String, Set<String>> e : all.entrySet()) {
      String name = e.getKey();
      if (kept.contains(name)) {
        continue;
      }
      String dir = CHECKPOINTS + name + "/";
      if (validNames.contains(name)) {
        log.info(
            "deleting old checkpoint {} (keeping the newest {})",
            folders.checkpointUri(name),
            keep);
        Set<String> own = new TreeSet<>(folders.readWriting(dir));
        manifests.get(name).files().forEach(f -> own.add(f.name()));
        own.add(MANIFEST);
        deleteOwn(name, e.getValue(), own);
      } else if (CheckpointFolders.stepOf(name) < writtenStep) {
        Set<String> own = folders.readWriting(dir);
        if (own.isEmpty()) {
          log.info(
              "leaving {} alone: it has no manifest or writing.json of this trainer",
              folders.checkpointUri(name));
        } else {
          log.info("deleting incomplete checkpoint {}", folders.checkpointUri(name));
          own.remove(MANIFEST); // an interrupted save never wrote a valid one; a foreign one stays
          deleteOwn(name, e.getValue(), own);
        }
      }
    }
  }

  /** Deletes the keys of checkpoint {@code name} whose file name is in {@code own}. */
  private void deleteOwn(String name, Set<String> keys, Set<String> own) throws IOException {
    String dir = CHECKPOINTS + name + "/";
    String manifest = dir + MANIFEST;
    if (keys.contains(manifest) && own.contains(MANIFEST)) {
      store.delete(manifest); // invalidate first, so a partial delete is never "valid"
    }
    List<String> foreign = new ArrayList<>();
    for (String k : keys) {
      String f = k.substring(dir.length());
      if (k.equals(manifest) || f.equals(WRITING)) {
        continue;
      }
      if (own.contains(f)) {
        store.delete(k);
      } else {
        foreign.add(f);
      }
    }
    if (keys.contains(dir + WRITING) && own.contains(WRITING)) {
      store.delete(dir + WRITING); // last: until now it records what is ours
    }
    if (!foreign.isEmpty()) {
      log.warn(
          "left {} file(s) in {} that this trainer did not write: {}",
          foreign.size(),
          folders.checkpointUri(name),
          foreign.subList(0, Math.min(5, foreign.size())));
    }
  }
}
