package dev.finetune.trainer.checkpoint;

import dev.finetune.contract.CheckpointManifest;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.RunIdentity;
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
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
 * (manifest first), as are leftovers of interrupted saves older than the checkpoint just
 * written. A failed save deletes nothing.
 *
 * <p>Only files that this trainer wrote are ever deleted: those a manifest or writing.json lists.
 * Anything else under the URI (a user's files in an existing folder, {@code ckpt-*} folders that
 * another tool made) is left in place and logged. Each manifest records the {@link RunIdentity}
 * that wrote it; {@link #checkOwnership} refuses to resume or overwrite another run's files.
 */
public final class CheckpointStore {
  public static final String CHECKPOINTS = StorageLayout.CHECKPOINTS;
  public static final String MODEL = StorageLayout.MODEL;
  public static final String MANIFEST = StorageLayout.MANIFEST;
  public static final String STATE = StorageLayout.STATE;
  public static final String WRITING = StorageLayout.WRITING;
  public static final int FORMAT_VERSION = CheckpointManifest.FORMAT_VERSION;

  private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final ObjectStore store;
  private final int keep;
  private final Clock clock;
  private final RunIdentity identity;

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
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1, got " + keep);
    }
    this.store = store;
    this.keep = keep;
    this.clock = clock;
    this.identity = identity;
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
    store.put(dir + WRITING, writing(sorted.keySet(), STATE, MANIFEST));
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

    var manifest = new CheckpointManifest(epoch, step, time, entries, identity);
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
    if (f.equals(MANIFEST) || f.equals(STATE) || f.equals(WRITING)) {
      throw new IllegalArgumentException("checkpoint file name '" + f + "' is reserved");
    }
  }

  /** writing.json: the names a save is about to write, so an interrupted save can be undone. */
  private static byte[] writing(Set<String> names, String... more) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode list = n.putArray("files");
    names.forEach(list::add);
    for (String m : more) {
      list.add(m);
    }
    return JSON.writeValueAsBytes(n);
  }

  /** The names listed in a writing.json, empty when absent or unreadable. */
  private Set<String> readWriting(String dir) throws IOException {
    Set<String> names = new TreeSet<>();
    Optional<byte[]> bytes = store.read(dir + WRITING);
    if (bytes.isEmpty()) {
      return names;
    }
    try {
      JsonNode root = JSON.readTree(bytes.get());
      if (root != null) {
        for (JsonNode f : root.path("files")) {
          if (f.isTextual() && validName(f.textValue())) {
            names.add(f.textValue());
          }
        }
      }
      names.add(WRITING);
    } catch (IOException e) {
      log.warn("{}{} is not valid JSON; leaving that folder alone", dir, WRITING);
    }
    return names;
  }

  private static boolean validName(String f) {
    try {
      Keys.check(f);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
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
    Map<String, Manifest> manifests = new HashMap<>();
    for (Map.Entry<String, Set<String>> e : all.entrySet()) {
      if (e.getValue().contains(CHECKPOINTS + e.getKey() + "/" + MANIFEST)) {
        Optional<Manifest> m = readManifest(e.getKey());
        if (m.isPresent() && (identity == null || identity.equals(m.get().identity()))) {
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
        log.info("deleting old checkpoint {} (keeping the newest {})", checkpointUri(name), keep);
        Set<String> own = new TreeSet<>(readWriting(dir));
        manifests.get(name).files().forEach(f -> own.add(f.name()));
        own.add(MANIFEST);
        deleteOwn(name, e.getValue(), own);
      } else if (stepOf(name) < writtenStep) {
        Set<String> own = readWriting(dir);
        if (own.isEmpty()) {
          log.info("leaving {} alone: it has no manifest or writing.json of this trainer",
              checkpointUri(name));
        } else {
          log.info("deleting incomplete checkpoint {}", checkpointUri(name));
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
      log.warn("left {} file(s) in {} that this trainer did not write: {}", foreign.size(),
          checkpointUri(name), foreign.subList(0, Math.min(5, foreign.size())));
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
    return readManifest(name).map(Manifest::info);
  }

  private Optional<Manifest> readManifest(String name) throws IOException {
    Optional<byte[]> bytes = store.read(CHECKPOINTS + name + "/" + MANIFEST);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(parseManifest(name, bytes.get()));
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
    if (identity != null) {
      requireSameRun(checkpointUri(name), manifest.identity(), "checkpoint");
    }
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
   * Writes the final model under model/: writing.json, every file, then model/manifest.json
   * with the identity and metadata; then deletes the files that the previous model's manifest
   * listed and this one does not, and writing.json. Files under model/ that no manifest of this
   * trainer listed are left in place and logged.
   */
  public void saveFinalModel(Map<String, byte[]> files, Map<String, Object> metadata)
      throws IOException {
    Map<String, byte[]> sorted = new TreeMap<>(files);
    for (String f : sorted.keySet()) {
      checkFileName(f);
    }
    Set<String> previous = ownModelFiles();
    List<String> before = store.list(MODEL);
    store.put(MODEL + WRITING, writing(sorted.keySet(), MANIFEST));
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
    if (identity != null) {
      manifest.set("identity", JSON.valueToTree(identity.toMap()));
    }
    manifest.set("metadata", JSON.valueToTree(metadata == null ? Map.of() : metadata));
    manifest.set("files", entries);
    store.put(MODEL + MANIFEST, JSON.writeValueAsBytes(manifest));
    List<String> foreign = new ArrayList<>();
    for (String k : before) {
      String f = k.substring(MODEL.length());
      if (f.equals(MANIFEST) || f.equals(WRITING) || k.equals(StorageLayout.RESULT)
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
      log.warn("left {} file(s) under {} that this trainer did not write: {}", foreign.size(),
          finalModelUri(), foreign.subList(0, Math.min(5, foreign.size())));
    }
    log.info("wrote final model {} ({} files)", finalModelUri(), sorted.size());
  }

  /** Names under model/ that a parsable model manifest or model/writing.json lists. */
  private Set<String> ownModelFiles() throws IOException {
    Set<String> own = new TreeSet<>(readWriting(MODEL));
    Optional<byte[]> bytes = store.read(MODEL + MANIFEST);
    if (bytes.isPresent()) {
      try {
        JsonNode root = JSON.readTree(bytes.get());
        if (root != null && root.path("files").isArray()) {
          for (JsonNode f : root.path("files")) {
            String n = f.path("name").asText("");
            if (validName(n)) {
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

  // ---------------------------------------------------------------- ownership

  /**
   * Refuses, before anything is written, a location that holds another run's checkpoints or
   * final model, or files under model/ that this trainer did not write (whether or not it would
   * overwrite them; foreign files among the checkpoints are left alone and logged). Throws
   * {@link ExitCode#RUN_MISMATCH} naming the URI and what differs. No-op without an identity.
   *
   * @param modelFiles the names {@link #saveFinalModel} will write
   */
  public void checkOwnership(Set<String> modelFiles) throws IOException {
    if (identity == null) {
      return;
    }
    for (String name : scan().keySet()) {
      Optional<Manifest> m = readManifest(name);
      if (m.isPresent()) {
        requireSameRun(checkpointUri(name), m.get().identity(), "checkpoint");
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
      requireSameRun(finalModelUri(), root == null ? null
          : RunIdentity.fromJson(root.get("identity")), "final model");
    }
    Set<String> own = ownModelFiles();
    Set<String> existing = new TreeSet<>();
    for (String k : store.list(MODEL)) {
      existing.add(k.substring(MODEL.length()));
    }
    for (String f : new TreeSet<>(modelFiles)) {
      if (existing.contains(f) && !own.contains(f)) {
        throw new TrainerException(ExitCode.RUN_MISMATCH, finalModelUri() + "/" + f
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
      throw new TrainerException(ExitCode.RUN_MISMATCH, finalModelUri() + " holds " + foreign.size()
          + " file(s) that this trainer did not write: " + foreign.subList(0, Math.min(5,
          foreign.size())) + ". Use another checkpoint location (spec.checkpoints.uri or"
          + " --output) or move the files");
    }
  }

  private void requireSameRun(String uri, RunIdentity stored, String what) {
    if (stored == null) {
      throw new TrainerException(ExitCode.RUN_MISMATCH, uri + " holds a " + what + " that"
          + " records no run identity (another tool or an older trainer wrote it); refusing to"
          + " resume from or replace it. Use another checkpoint location (spec.checkpoints.uri"
          + " or --output) or delete the old files");
    }
    List<String> diff = identity.differences(stored);
    if (!diff.isEmpty()) {
      throw new TrainerException(ExitCode.RUN_MISMATCH, uri + " holds a " + what + " of"
          + " another run; differs in: " + String.join("; ", diff.subList(0, Math.min(6,
          diff.size()))) + (diff.size() > 6 ? "; and " + (diff.size() - 6) + " more" : "")
          + ". Use another checkpoint location (spec.checkpoints.uri or --output) or delete"
          + " the old files");
    }
  }

  // ---------------------------------------------------------------- manifest parsing

  private record Manifest(CheckpointInfo info, List<CheckpointManifest.File> files,
      RunIdentity identity) {}

  private Manifest parseManifest(String name, byte[] bytes) {
    CheckpointManifest m;
    try {
      m = CheckpointManifest.parse(name, bytes);
    } catch (IllegalArgumentException e) {
      throw new InvalidCheckpointException(e.getMessage());
    }
    return new Manifest(new CheckpointInfo(name, checkpointUri(name), m.epoch(), m.step(),
        m.time()), m.files(), m.identity());
  }

  /** A checkpoint that does not match its manifest; message names the file at fault. */
  static final class InvalidCheckpointException extends RuntimeException {
    InvalidCheckpointException(String message) {
      super(message, null, false, false);
    }
  }
}
