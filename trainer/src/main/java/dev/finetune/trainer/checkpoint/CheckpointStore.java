package dev.finetune.trainer.checkpoint;

import dev.finetune.contract.CheckpointManifest;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.Sha256;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.contract.Keys;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints and the final model in an {@link ObjectStore}, in the contract's
 * {@link StorageLayout}; checkpoint manifests are {@link CheckpointManifest}s.
 *
 * <p>A checkpoint exists only once its manifest is written; folders without a manifest are
 * ignored. After a successful save, checkpoints beyond the newest {@code keep} are deleted
 * (manifest first), as are manifest-less leftovers older than the checkpoint just written. A
 * failed save deletes nothing.
 */
public final class CheckpointStore {
  public static final String CHECKPOINTS = StorageLayout.CHECKPOINTS;
  public static final String MODEL = StorageLayout.MODEL;
  public static final String MANIFEST = StorageLayout.MANIFEST;
  public static final String STATE = StorageLayout.STATE;
  public static final int FORMAT_VERSION = CheckpointManifest.FORMAT_VERSION;

  private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final ObjectStore store;
  private final int keep;
  private final Clock clock;

  /** A store keeping the newest keep (at least 1) checkpoints. */
  public CheckpointStore(ObjectStore store, int keep) {
    this(store, keep, Clock.systemUTC());
  }

  public CheckpointStore(ObjectStore store, int keep, Clock clock) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1, got " + keep);
    }
    this.store = store;
    this.keep = keep;
    this.clock = clock;
  }

  public ObjectStore objectStore() {
    return store;
  }

  public int keep() {
    return keep;
  }

  /** ckpt-&lt;step zero-padded to 12 digits&gt;. */
  public static String checkpointName(long step) {
    return StorageLayout.checkpointFolder(step);
  }

  /** The URI of the named checkpoint's folder. */
  public String checkpointUri(String name) {
    return store.uri() + "/" + CHECKPOINTS + name;
  }

  /** The URI of the final model's folder, e.g. s3://bucket/run/model. */
  public String finalModelUri() {
    return store.uri() + "/" + MODEL.substring(0, MODEL.length() - 1);
  }

  // ---------------------------------------------------------------- save

  /**
   * Writes a checkpoint: every file, then state.json, then manifest.json; then deletes old
   * checkpoints beyond the newest {@code keep}. If a checkpoint with the same step exists, its
   * manifest is deleted first (it is being replaced). If a write fails, the exception propagates
   * and nothing is deleted.
   *
   * @param files file name (a relative key such as "weights.safetensors") to content
   * @param state JSON-serialisable training state (optimizer settings, RNG seeds, metrics...)
   */
  public CheckpointInfo save(int epoch, long step, Map<String, byte[]> files,
      Map<String, Object> state) throws IOException {
    String name = checkpointName(step);
    Map<String, byte[]> sorted = new TreeMap<>(files);
    for (String f : sorted.keySet()) {
      checkFileName(f);
    }
    String dir = CHECKPOINTS + name + "/";
    Instant time = clock.instant();
    if (store.read(dir + MANIFEST).isPresent()) {
      log.warn("replacing existing checkpoint {}", checkpointUri(name));
      store.delete(dir + MANIFEST);
    }
    List<CheckpointManifest.File> entries = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : sorted.entrySet()) {
      store.put(dir + e.getKey(), e.getValue());
      entries.add(file(e.getKey(), e.getValue()));
    }
    ObjectNode stateJson = JSON.createObjectNode();
    stateJson.put("formatVersion", FORMAT_VERSION);
    stateJson.put("epoch", epoch);
    stateJson.put("step", step);
    stateJson.put("time", time.toString());
    stateJson.set("state", JSON.valueToTree(state == null ? Map.of() : state));
    byte[] stateBytes = JSON.writeValueAsBytes(stateJson);
    store.put(dir + STATE, stateBytes);
    entries.add(file(STATE, stateBytes));

    var manifest = new CheckpointManifest(epoch, step, time, entries);
    store.put(dir + MANIFEST, JSON.writeValueAsBytes(manifest.toJson()));

    CheckpointInfo info = new CheckpointInfo(name, checkpointUri(name), epoch, step, time);
    log.info("wrote checkpoint {} (epoch {}, step {})", info.uri(), epoch, step);
    try {
      retain(name);
    } catch (IOException | RuntimeException e) {
      log.warn("checkpoint {} is saved, but deleting old checkpoints failed: {}", name,
          e.getMessage());
    }
    return info;
  }

  private static void checkFileName(String f) {
    try {
      Keys.check(f);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid checkpoint file name: " + e.getMessage());
    }
    if (f.equals(MANIFEST) || f.equals(STATE)) {
      throw new IllegalArgumentException("checkpoint file name '" + f + "' is reserved");
    }
  }

  private static CheckpointManifest.File file(String name, byte[] bytes) {
    return new CheckpointManifest.File(name, bytes.length, sha256(bytes));
  }

  private static ObjectNode entry(String name, byte[] bytes) {
    CheckpointManifest.File f = file(name, bytes);
    ObjectNode n = JSON.createObjectNode();
    n.put("name", f.name());
    n.put("size", f.size());
    n.put("sha256", f.sha256());
    return n;
  }

  static String sha256(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  /** Deletes valid checkpoints beyond the newest keep, and manifest-less garbage before kept. */
  private void retain(String justWritten) throws IOException {
    Map<String, Set<String>> all = scan();
    long writtenStep = stepOf(justWritten);
    List<CheckpointInfo> valid = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : all.entrySet()) {
      if (e.getValue().contains(CHECKPOINTS + e.getKey() + "/" + MANIFEST)) {
        readInfo(e.getKey()).ifPresent(valid::add);
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
      if (validNames.contains(name)) {
        log.info("deleting old checkpoint {} (keeping the newest {})", checkpointUri(name), keep);
        deleteAll(name, e.getValue());
      } else if (stepOf(name) < writtenStep) {
        log.info("deleting incomplete checkpoint {}", checkpointUri(name));
        deleteAll(name, e.getValue());
      }
    }
  }

  private void deleteAll(String name, Set<String> keys) throws IOException {
    String manifest = CHECKPOINTS + name + "/" + MANIFEST;
    if (keys.contains(manifest)) {
      store.delete(manifest); // invalidate first, so a partial delete is never "valid"
    }
    for (String k : keys) {
      if (!k.equals(manifest)) {
        store.delete(k);
      }
    }
  }

  /** Checkpoint folder name to the keys under it, for folders named ckpt-NNNNNNNNNNNN. */
  private Map<String, Set<String>> scan() throws IOException {
    Map<String, Set<String>> result = new TreeMap<>();
    for (String key : store.list(CHECKPOINTS)) {
      String rest = key.substring(CHECKPOINTS.length());
      int slash = rest.indexOf('/');
      if (slash < 0) {
        continue;
      }
      String name = rest.substring(0, slash);
      if (StorageLayout.stepOf(name).isPresent()) {
        result.computeIfAbsent(name, n -> new TreeSet<>()).add(key);
      }
    }
    return result;
  }

  private static long stepOf(String name) {
    return StorageLayout.stepOf(name).orElseThrow(() -> new IllegalArgumentException(name));
  }

  // ---------------------------------------------------------------- listing

  /**
   * Checkpoints whose manifest exists and parses, oldest first. Cheap: files are not verified.
   */
  public List<CheckpointInfo> listValid() throws IOException {
    List<CheckpointInfo> valid = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : scan().entrySet()) {
      if (e.getValue().contains(CHECKPOINTS + e.getKey() + "/" + MANIFEST)) {
        readInfo(e.getKey()).ifPresent(valid::add);
      }
    }
    valid.sort(Comparator.comparingLong(CheckpointInfo::step));
    return valid;
  }

  /** The newest checkpoint with a parsable manifest (not verified), if any. */
  public Optional<CheckpointInfo> newest() throws IOException {
    List<CheckpointInfo> valid = listValid();
    return valid.isEmpty() ? Optional.empty() : Optional.of(valid.get(valid.size() - 1));
  }

  private Optional<CheckpointInfo> readInfo(String name) throws IOException {
    Optional<byte[]> bytes = store.read(CHECKPOINTS + name + "/" + MANIFEST);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(parseManifest(name, bytes.get()).info);
    } catch (InvalidCheckpointException e) {
      log.debug("ignoring checkpoint {}: {}", name, e.getMessage());
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------- loading

  /**
   * The newest checkpoint whose files all match its manifest (size and sha256). Each invalid
   * checkpoint on the way is reported to warnings, e.g. "checkpoint ckpt-000000000120 is invalid:
   * weights.safetensors sha256 mismatch; falling back to ckpt-000000000080". Storage failures
   * (TrainerException STORAGE_UNAVAILABLE, IOException) propagate instead of falling back.
   */
  public Optional<LoadedCheckpoint> loadNewestValid(Consumer<String> warnings)
      throws IOException {
    List<String> candidates = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : scan().entrySet()) {
      if (e.getValue().contains(CHECKPOINTS + e.getKey() + "/" + MANIFEST)) {
        candidates.add(e.getKey());
      }
    }
    candidates.sort(Comparator.reverseOrder()); // zero-padded: newest step first
    for (int i = 0; i < candidates.size(); i++) {
      String name = candidates.get(i);
      try {
        LoadedCheckpoint loaded = loadVerified(name);
        log.info("loaded checkpoint {} (epoch {}, step {})", loaded.info().uri(), loaded.epoch(),
            loaded.step());
        return Optional.of(loaded);
      } catch (InvalidCheckpointException e) {
        String msg = "checkpoint " + name + " is invalid: " + e.getMessage()
            + (i + 1 < candidates.size() ? "; falling back to " + candidates.get(i + 1)
                : "; no older checkpoint to fall back to");
        log.warn(msg);
        if (warnings != null) {
          warnings.accept(msg);
        }
      }
    }
    return Optional.empty();
  }

  private LoadedCheckpoint loadVerified(String name) throws IOException {
    String dir = CHECKPOINTS + name + "/";
    Optional<byte[]> manifestBytes = store.read(dir + MANIFEST);
    if (manifestBytes.isEmpty()) {
      throw new InvalidCheckpointException(MANIFEST + " disappeared");
    }
    Manifest manifest = parseManifest(name, manifestBytes.get());
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] stateBytes = null;
    for (CheckpointManifest.File f : manifest.files) {
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
    return new LoadedCheckpoint(manifest.info, files, state);
  }

  private byte[] verifiedRead(String dir, CheckpointManifest.File f) throws IOException {
    Optional<byte[]> bytes = store.read(dir + f.name());
    if (bytes.isEmpty()) {
      throw new InvalidCheckpointException(f.name() + " is missing");
    }
    byte[] b = bytes.get();
    if (b.length != f.size()) {
      throw new InvalidCheckpointException(f.name() + " has " + b.length + " bytes, manifest says "
          + f.size());
    }
    if (!sha256(b).equals(f.sha256())) {
      throw new InvalidCheckpointException(f.name() + " sha256 mismatch");
    }
    return b;
  }

  // ---------------------------------------------------------------- final model

  /**
   * Writes the final model under model/: first removes the old model's manifest (if any), then
   * writes every file, then model/manifest.json with metadata, and finally removes files of an
   * earlier model that are not part of this one.
   */
  public void saveFinalModel(Map<String, byte[]> files, Map<String, Object> metadata)
      throws IOException {
    Map<String, byte[]> sorted = new TreeMap<>(files);
    for (String f : sorted.keySet()) {
      checkFileName(f);
    }
    List<String> before = store.list(MODEL);
    if (before.contains(MODEL + MANIFEST)) {
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
    manifest.set("metadata", JSON.valueToTree(metadata == null ? Map.of() : metadata));
    manifest.set("files", entries);
    store.put(MODEL + MANIFEST, JSON.writeValueAsBytes(manifest));
    for (String k : before) {
      String f = k.substring(MODEL.length());
      if (!f.equals(MANIFEST) && !k.equals(StorageLayout.RESULT) && !sorted.containsKey(f)) {
        try {
          store.delete(k);
        } catch (IOException | RuntimeException e) {
          log.warn("could not delete stale model file {}: {}", k, e.getMessage());
        }
      }
    }
    log.info("wrote final model {} ({} files)", finalModelUri(), sorted.size());
  }

  // ---------------------------------------------------------------- manifest parsing

  private record Manifest(CheckpointInfo info, List<CheckpointManifest.File> files) {}

  private Manifest parseManifest(String name, byte[] bytes) {
    CheckpointManifest m;
    try {
      m = CheckpointManifest.parse(name, bytes);
    } catch (IllegalArgumentException e) {
      throw new InvalidCheckpointException(e.getMessage());
    }
    return new Manifest(new CheckpointInfo(name, checkpointUri(name), m.epoch(), m.step(),
        m.time()), m.files());
  }

  /** A checkpoint that does not match its manifest; message names the file at fault. */
  static final class InvalidCheckpointException extends RuntimeException {
    InvalidCheckpointException(String message) {
      super(message, null, false, false);
    }
  }
}
