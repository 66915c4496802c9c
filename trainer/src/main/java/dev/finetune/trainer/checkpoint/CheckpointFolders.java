package dev.finetune.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.contract.CheckpointManifest;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.Keys;
import dev.finetune.contract.RunIdentity;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.base.Sha256;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the checkpoint writer, reader and final-model store share: the {@link StorageLayout} folders
 * in one {@link ObjectStore}, their manifests and writing.json files, and the run identity that a
 * location must belong to.
 */
final class CheckpointFolders {
  static final String CHECKPOINTS = StorageLayout.CHECKPOINTS;
  static final String MODEL = StorageLayout.MODEL;
  static final String MANIFEST = StorageLayout.MANIFEST;
  static final String STATE = StorageLayout.STATE;
  static final String WRITING = StorageLayout.WRITING;
  static final int FORMAT_VERSION = CheckpointManifest.FORMAT_VERSION;

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private static final Logger log = LoggerFactory.getLogger(CheckpointFolders.class);

  private final ObjectStore store;
  private final RunIdentity identity;

  /**
   * @param identity the run that owns this location; null records and checks none
   */
  CheckpointFolders(ObjectStore store, RunIdentity identity) {
    this.store = store;
    this.identity = identity;
  }

  ObjectStore store() {
    return store;
  }

  RunIdentity identity() {
    return identity;
  }

  /** The URI of the named checkpoint's folder. */
  String checkpointUri(String name) {
    return store.uri() + "/" + CHECKPOINTS + name;
  }

  /** The URI of the final model's folder, e.g. s3://bucket/run/model. */
  String finalModelUri() {
    return store.uri() + "/" + MODEL.substring(0, MODEL.length() - 1);
  }

  /** Checkpoint folder name to the keys under it, for folders named ckpt-NNNNNNNNNNNN. */
  Map<String, Set<String>> scan() throws IOException {
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

  static long stepOf(String name) {
    return StorageLayout.stepOf(name).orElseThrow(() -> new IllegalArgumentException(name));
  }

  /** A checkpoint's parsed manifest; empty when absent or invalid. */
  Optional<Manifest> readManifest(String name) throws IOException {
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

  /** A parsed checkpoint manifest. */
  record Manifest(CheckpointInfo info, List<CheckpointManifest.File> files, RunIdentity identity) {}

  Manifest parseManifest(String name, byte[] bytes) {
    CheckpointManifest m;
    try {
      m = CheckpointManifest.parse(name, bytes);
    } catch (IllegalArgumentException e) {
      throw new InvalidCheckpointException(e.getMessage());
    }
    return new Manifest(
        new CheckpointInfo(name, checkpointUri(name), m.epoch(), m.step(), m.time()),
        m.files(),
        m.identity());
  }

  static void checkFileName(String f) {
    try {
      Keys.check(f);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid checkpoint file name: " + e.getMessage());
    }
    if (f.equals(MANIFEST) || f.equals(STATE) || f.equals(WRITING)) {
      throw new IllegalArgumentException("checkpoint file name '" + f + "' is reserved");
    }
  }

  static boolean validName(String f) {
    try {
      Keys.check(f);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** writing.json: the names a save is about to write, so an interrupted save can be undone. */
  static byte[] writing(Set<String> names, String... more) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    ArrayNode list = n.putArray("files");
    names.forEach(list::add);
    for (String m : more) {
      list.add(m);
    }
    return JSON.writeValueAsBytes(n);
  }

  /** The names listed in a writing.json, empty when absent or unreadable. */
  Set<String> readWriting(String dir) throws IOException {
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

  static CheckpointManifest.File file(String name, byte[] bytes) {
    return new CheckpointManifest.File(name, bytes.length, sha256(bytes));
  }

  static String sha256(byte[] bytes) {
    return Sha256.hex(bytes);
  }

  /**
   * Throws {@link ExitCode#RUN_MISMATCH} unless {@code stored} is this location's identity. Call
   * only with an identity.
   */
  void requireSameRun(String uri, RunIdentity stored, String what) {
    if (stored == null) {
      throw new TrainerException(
          ExitCode.RUN_MISMATCH,
          uri
              + " holds a "
              + what
              + " that"
              + " records no run identity (another tool or an older trainer wrote it); refusing to"
              + " resume from or replace it. Use another checkpoint location (spec.checkpoints.uri"
              + " or --output) or delete the old files");
    }
    List<String> diff = identity.differences(stored);
    if (!diff.isEmpty()) {
      throw new TrainerException(
          ExitCode.RUN_MISMATCH,
          uri
              + " holds a "
              + what
              + " of"
              + " another run; differs in: "
              + String.join("; ", diff.subList(0, Math.min(6, diff.size())))
              + (diff.size() > 6 ? "; and " + (diff.size() - 6) + " more" : "")
              + ". Use another checkpoint location (spec.checkpoints.uri or --output) or delete"
              + " the old files");
    }
  }

  /** A checkpoint that does not match its manifest; message names the file at fault. */
  static final class InvalidCheckpointException extends RuntimeException {
    InvalidCheckpointException(String message) {
      super(message, null, false, false);
    }
  }
}
