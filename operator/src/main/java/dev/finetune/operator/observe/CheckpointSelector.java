package dev.finetune.operator.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.status.CheckpointRef;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the checkpoint a resume will use from one listing of {@code checkpoints/}: the newest
 * {@code ckpt-<12-digit step>/} whose manifest.json parses (the trainer's format: formatVersion,
 * epoch, step matching the folder, time, files [{name, size, sha256}]) and whose listed files all
 * exist with the listed sizes. Pure: the listing and a manifest reader are its inputs. Folders
 * without a manifest are being written (or deleted) and are neither candidates nor invalid.
 * sha256 is not checked (that would download every weight file); the trainer checks it when it
 * resumes.
 */
public final class CheckpointSelector {
  public static final String CHECKPOINTS = "checkpoints/";
  public static final String MANIFEST = "manifest.json";
  private static final Pattern FOLDER = Pattern.compile("ckpt-(\\d{12})");
  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointSelector() {}

  /** Reads one object; empty when it is gone. May throw what the store throws. */
  @FunctionalInterface
  public interface Reader<E extends Exception> {
    Optional<byte[]> read(String key) throws E;
  }

  /** A checkpoint folder newer than the chosen one that a resume skips, and why. */
  public record Invalid(String name, String reason) {}

  /**
   * @param latest the newest valid checkpoint (uri filled by the caller's {@code uriOf})
   * @param invalid checkpoints newer than {@code latest} that are not valid, newest first
   */
  public record Selection(Optional<CheckpointRef> latest, List<Invalid> invalid) {
    public static final Selection NONE = new Selection(Optional.empty(), List.of());
  }

  /**
   * @param listing every key under checkpoints/ (keys relative to the run's root, e.g.
   *     checkpoints/ckpt-000000000005/weights.safetensors) with its size
   * @param uriOf the URI of a checkpoint folder, from its name
   */
  public static <E extends Exception> Selection select(Map<String, Long> listing,
      Reader<E> manifests, java.util.function.Function<String, String> uriOf) throws E {
    Map<String, Map<String, Long>> folders = new TreeMap<>(Comparator.reverseOrder());
    for (var e : listing.entrySet()) {
      if (!e.getKey().startsWith(CHECKPOINTS)) {
        continue;
      }
      String rest = e.getKey().substring(CHECKPOINTS.length());
      int slash = rest.indexOf('/');
      if (slash > 0 && FOLDER.matcher(rest.substring(0, slash)).matches()) {
        folders.computeIfAbsent(rest.substring(0, slash), n -> new TreeMap<>())
            .put(rest.substring(slash + 1), e.getValue());
      }
    }
    List<Invalid> invalid = new ArrayList<>();
    for (var folder : folders.entrySet()) { // newest step first: names are zero-padded
      String name = folder.getKey();
      if (!folder.getValue().containsKey(MANIFEST)) {
        continue;
      }
      Optional<byte[]> manifest = manifests.read(CHECKPOINTS + name + "/" + MANIFEST);
      if (manifest.isEmpty()) {
        continue; // deleted since the listing (the trainer's keep-N cleanup)
      }
      try {
        CheckpointRef ref = verify(name, manifest.get(), folder.getValue());
        ref.uri = uriOf.apply(name);
        return new Selection(Optional.of(ref), invalid);
      } catch (IllegalArgumentException e) {
        invalid.add(new Invalid(name, e.getMessage()));
      }
    }
    return new Selection(Optional.empty(), invalid);
  }

  /** The manifest's checkpoint, or IllegalArgumentException naming what is wrong. */
  static CheckpointRef verify(String name, byte[] manifest, Map<String, Long> files) {
    JsonNode root;
    try {
      root = JSON.readTree(manifest);
    } catch (IOException e) {
      throw new IllegalArgumentException("manifest.json is not valid JSON");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("manifest.json is not a JSON object");
    }
    int version = integer(root, "formatVersion").intValue();
    if (version != 1) {
      throw new IllegalArgumentException("manifest.json has formatVersion " + version
          + "; this operator reads version 1");
    }
    Matcher m = FOLDER.matcher(name);
    m.matches();
    CheckpointRef ref = new CheckpointRef();
    ref.epoch = integer(root, "epoch").intValue();
    ref.step = integer(root, "step");
    if (ref.step != Long.parseLong(m.group(1))) {
      throw new IllegalArgumentException("manifest.json says step " + ref.step
          + ", the folder name another");
    }
    JsonNode time = root.get("time");
    try {
      ref.time = Instant.parse(time == null ? "" : time.asText()).toString();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("manifest.json has no valid \"time\"");
    }
    JsonNode list = root.get("files");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException("manifest.json has no \"files\"");
    }
    for (JsonNode f : list) {
      String file = f.path("name").asText("");
      long size = integer(f, "size");
      if (file.isEmpty() || file.equals(MANIFEST)) {
        throw new IllegalArgumentException("manifest.json lists a file without a valid name");
      }
      Long actual = files.get(file);
      if (actual == null) {
        throw new IllegalArgumentException(file + " is missing");
      }
      if (actual != size) {
        throw new IllegalArgumentException(file + " has " + actual + " bytes, manifest.json says "
            + size);
      }
    }
    return ref;
  }

  private static Long integer(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("manifest.json has no integer \"" + field + "\"");
    }
    return v.longValue();
  }
}
