package dev.finetune.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * checkpoints/ckpt-&lt;step&gt;/manifest.json, format version 1: {@code {formatVersion, epoch,
 * step, time, identity, files: [{name, size, sha256}]}}. The trainer writes it last, so a
 * checkpoint exists once its manifest does; the trainer (to resume) and the operator (to report the
 * checkpoint a resume will use) both read it with {@link #parse}. {@code identity} (the {@link
 * RunIdentity} that wrote it) is absent in manifests of older trainers: null here.
 */
public record CheckpointManifest(
    int epoch, long step, Instant time, List<File> files, RunIdentity identity) {
  public static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One file of the checkpoint: a relative key under the folder, its size and SHA-256 (hex). */
  public record File(String name, long size, String sha256) {}

  public CheckpointManifest {
    files = List.copyOf(files);
  }

  /** Without a run identity. */
  public CheckpointManifest(int epoch, long step, Instant time, List<File> files) {
    this(epoch, step, time, files, null);
  }

  /** The manifest as JSON (the caller picks the formatting). */
  public ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("formatVersion", FORMAT_VERSION);
    n.put("epoch", epoch);
    n.put("step", step);
    n.put("time", time.toString());
    if (identity != null) {
      n.set("identity", JSON.valueToTree(identity.toMap()));
    }
    var list = n.putArray("files");
    for (File f : files) {
      list.addObject().put("name", f.name()).put("size", f.size()).put("sha256", f.sha256());
    }
    return n;
  }

  /**
   * Parses the manifest of checkpoint folder {@code folder}, or throws IllegalArgumentException
   * with a message that names what is wrong (e.g. "manifest.json says step 11, which does not match
   * the folder name").
   */
  public static CheckpointManifest parse(String folder, byte[] bytes) {
    String m = StorageLayout.MANIFEST;
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(m + " is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(m + " is not a JSON object");
    }
    int version = (int) integer(root, "formatVersion", Integer.MAX_VALUE);
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          m
              + " has formatVersion "
              + version
              + "; this version reads formatVersion "
              + FORMAT_VERSION);
    }
    int epoch = (int) integer(root, "epoch", Integer.MAX_VALUE);
    long step = integer(root, "step", Long.MAX_VALUE);
    if (StorageLayout.stepOf(folder).orElse(-1) != step) {
      throw new IllegalArgumentException(
          m + " says step " + step + ", which does not match the folder name");
    }
    Instant time;
    try {
      time = Instant.parse(text(root, "time"));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(m + " has an invalid time");
    }
    JsonNode list = root.get("files");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException(m + " has no \"files\" array");
    }
    List<File> files = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode f : list) {
      String name = text(f, "name");
      try {
        Keys.check(name);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(m + " lists an invalid file name");
      }
      if (!seen.add(name) || name.equals(m)) {
        throw new IllegalArgumentException(m + " lists " + name + " twice");
      }
      long size = integer(f, "size", Long.MAX_VALUE);
      String sha = text(f, "sha256");
      if (size < 0 || !sha.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(m + " has a bad size or sha256 for " + name);
      }
      files.add(new File(name, size, sha));
    }
    return new CheckpointManifest(
        epoch, step, time, files, RunIdentity.fromJson(root.get("identity")));
  }

  private static JsonNode require(JsonNode n, String field) {
    JsonNode v = n == null ? null : n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException(StorageLayout.MANIFEST + " lacks \"" + field + "\"");
    }
    return v;
  }

  private static long integer(JsonNode n, String field, long max) {
    JsonNode v = require(n, field);
    if (!v.isIntegralNumber()
        || !v.canConvertToLong()
        || v.longValue() > max
        || v.longValue() < -max - 1) {
      throw new IllegalArgumentException(
          StorageLayout.MANIFEST + " field \"" + field + "\" is not an integer");
    }
    return v.longValue();
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = require(n, field);
    if (!v.isTextual()) {
      throw new IllegalArgumentException(
          StorageLayout.MANIFEST + " field \"" + field + "\" is not a string");
    }
    return v.textValue();
  }
}
