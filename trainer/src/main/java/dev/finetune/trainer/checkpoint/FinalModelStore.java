package dev.finetune.trainer.checkpoint;

import static dev.finetune.trainer.checkpoint.CheckpointFolders.FORMAT_VERSION;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.JSON;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.MANIFEST;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.MODEL;
import static dev.finetune.trainer.checkpoint.CheckpointFolders.WRITING;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.contract.CheckpointManifest;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.RunIdentity;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.checkpoint.CheckpointFolders.Manifest;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The final model under {@code model/} of a checkpoint location, and the location's ownership:
 * {@link #checkOwnership} refuses, before a run writes anything, a location that holds another
 * run's checkpoints or final model, or files under model/ that this trainer did not write. Files
 * that no manifest of this trainer listed are never deleted; they are left and logged.
 */
public final class FinalModelStore {
  private static final Logger log = LoggerFactory.getLogger(FinalModelStore.class);

  private final CheckpointFolders folders;
  private final ObjectStore store;
  private final Clock clock;

  /** A final model recording no run identity; {@link #checkOwnership} is then a no-op. */
  public FinalModelStore(ObjectStore store) {
    this(store, null, Clock.systemUTC());
  }

  /** A final model whose manifest records {@code identity}, in a location owned by it. */
  public FinalModelStore(ObjectStore store, RunIdentity identity) {
    this(store, identity, Clock.systemUTC());
  }

  public FinalModelStore(ObjectStore store, RunIdentity identity, Clock clock) {
    this(new CheckpointFolders(store, identity), clock);
  }

  FinalModelStore(CheckpointFolders folders, Clock clock) {
    this.folders = folders;
    this.store = folders.store();
    this.clock = clock;
  }

  /** The URI of the final model's folder, e.g. s3://bucket/run/model. */
  public String uri() {
    return folders.finalModelUri();
  }

  /**
   * Writes the final model under model/: writing.json, every file, then model/manifest.json with
   * the identity and metadata; then deletes the files that the previous model's manifest listed and
   * this one does not, and writing.json. Files under model/ that no manifest of this trainer listed
   * are left in place and logged.
   */
  public void save(Map<String, byte[]> files, Map<String, Object> metadata) throws IOException {
    Map<String, byte[]> sorted = new TreeMap<>(files);
    for (String f : sorted.keySet()) {
      CheckpointFolders.checkFileName(f);
    }
    Set<String> previous = ownModelFiles();
    List<String> before = store.list(MODEL);
    store.put(MODEL + WRITING, CheckpointFolders.writing(sorted.keySet(), MANIFEST));
    if (before.contains(MODEL + MANIFEST) && previous.contains(MANIFEST)) {
      store.delete(MODEL + MANIFEST);
    }
    ArrayNode entries = JSON.createArrayNode();
    for (Map.Entry<String, byte[]> e : sorted.entrySet()) {
      store.put(MODEL + e.getKey(), e.getValue());
      entries.add(entry(e.getKey(), e.getValue()));
    }
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("formatVersion", FORMAT_VERSION);
    manifest.put("time", clock.instant().toString());
    if (folders.identity() != null) {
      manifest.set("identity", JSON.valueToTree(folders.identity().toMap()));
    }
    manifest.set("metadata", JSON.valueToTree(metadata == null ? Map.of() : metadata));
    manifest.set("files", entries);
    store.put(MODEL + MANIFEST, JSON.writeValueAsBytes(manifest));
    List<String> foreign = new ArrayList<>();
    for (String k : before) {
      String f = k.substring(MODEL.length());
      if (f.equals(MANIFEST)
          || f.equals(WRITING)
          || k.equals(StorageLayout.RESULT)
          || sorted.containsKey(f)) {
        continue;
      }
      if (!previous.contains(f)) {
        foreign.add(f);
        continue;
      }
      try {
        store.delete(k);
      } catch (IOException | RuntimeException e) {
        log.warn("could not delete stale model file {}: {}", k, e.getMessage());
      }
    }
    store.delete(MODEL + WRITING);
    if (!foreign.isEmpty()) {
      log.warn(
          "left {} file(s) under {} that this trainer did not write: {}",
          foreign.size(),
          uri(),
          foreign.subList(0, Math.min(5, foreign.size())));
    }
    log.info("wrote final model {} ({} files)", uri(), sorted.size());
  }

  private static ObjectNode entry(String name, byte[] bytes) {
    CheckpointManifest.File f = CheckpointFolders.file(name, bytes);
    ObjectNode n = JSON.createObjectNode();
    n.put("name", f.name());
    n.put("size", f.size());
    n.put("sha256", f.sha256());
    return n;
  }

  /** Names under model/ that a parsable model manifest or model/writing.json lists. */
  private Set<String> ownModelFiles() throws IOException {
    Set<String> own = new TreeSet<>(folders.readWriting(MODEL));
    Optional<byte[]> bytes = store.read(MODEL + MANIFEST);
    if (bytes.isPresent()) {
      try {
        JsonNode root = JSON.readTree(bytes.get());
        if (root != null && root.path("files").isArray()) {
          for (JsonNode f : root.path("files")) {
            String n = f.path("name").asText("");
            if (CheckpointFolders.validName(n)) {
              own.add(n);
            }
          }
          own.add(MANIFEST);
        }
      } catch (IOException e) {
        log.warn("{}{} is not valid JSON; treating model/ as foreign", MODEL, MANIFEST);
      }
    }
    return own;
  }

  /**
   * Refuses, before anything is written, a location that holds another run's checkpoints or final
   * model, or files under model/ that this trainer did not write (whether or not it would overwrite
   * them; foreign files among the checkpoints are left alone and logged). Throws {@link
   * ExitCode#RUN_MISMATCH} naming the URI and what differs. No-op without an identity.
   *
   * @param modelFiles the names {@link #save} will write
   */
  public void checkOwnership(Set<String> modelFiles) throws IOException {
    if (folders.identity() == null) {
      return;
    }
    for (String name : folders.scan().keySet()) {
      Optional<Manifest> m = folders.readManifest(name);
      if (m.isPresent()) {
        folders.requireSameRun(folders.checkpointUri(name), m.get().identity(), "checkpoint");
      }
    }
    Optional<byte[]> bytes = store.read(MODEL + MANIFEST);
    if (bytes.isPresent()) {
      JsonNode root;
      try {
        root = JSON.readTree(bytes.get());
      } catch (IOException e) {
        root = null;
      }
      folders.requireSameRun(
          uri(), root == null ? null : RunIdentity.fromJson(root.get("identity")), "final model");
    }
    Set<String> own = ownModelFiles();
    Set<String> existing = new TreeSet<>();
    for (String k : store.list(MODEL)) {
      existing.add(k.substring(MODEL.length()));
    }
    for (String f : new TreeSet<>(modelFiles)) {
      if (existing.contains(f) && !own.contains(f)) {
        throw new TrainerException(
            ExitCode.RUN_MISMATCH,
            uri()
                + "/"
                + f
                + " exists and was not written by this trainer; it would be overwritten. Use"
                + " another checkpoint location (spec.checkpoints.uri or --output) or move the file");
      }
    }
    // model/ is the trainer's: a file there that no manifest of it lists (a user's export, notes)
    // means the location is not this trainer's to write, as exit 11 documents.
    existing.removeAll(own);
    existing.remove(WRITING);
    if (!existing.isEmpty()) {
      List<String> foreign = new ArrayList<>(existing);
      throw new TrainerException(
          ExitCode.RUN_MISMATCH,
          uri()
              + " holds "
              + foreign.size()
              + " file(s) that this trainer did not write: "
              + foreign.subList(0, Math.min(5, foreign.size()))
              + ". Use another checkpoint location (spec.checkpoints.uri or"
              + " --output) or move the files");
    }
  }
}
