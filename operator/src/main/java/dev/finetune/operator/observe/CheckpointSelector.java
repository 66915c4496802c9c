package dev.finetune.operator.observe;

import dev.finetune.api.v1alpha1.status.CheckpointRef;
import dev.finetune.contract.CheckpointManifest;
import dev.finetune.contract.StorageLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Picks the checkpoint a resume will use from one listing of {@code checkpoints/}: the newest
 * {@code ckpt-<12-digit step>/} whose manifest.json parses (the contract's {@link
 * CheckpointManifest}) and whose listed files all exist with the listed sizes. Pure: the listing
 * and a manifest reader are its inputs. Folders without a manifest are being written (or deleted)
 * and are neither candidates nor invalid. sha256 is not checked (that would download every weight
 * file); the trainer checks it when it resumes.
 */
public final class CheckpointSelector {
  public static final String CHECKPOINTS = StorageLayout.CHECKPOINTS;
  public static final String MANIFEST = StorageLayout.MANIFEST;

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
  public static <E extends Exception> Selection select(
      Map<String, Long> listing,
      Reader<E> manifests,
      java.util.function.Function<String, String> uriOf)
      throws E {
    Map<String, Map<String, Long>> folders = new TreeMap<>(Comparator.reverseOrder());
    for (var e : listing.entrySet()) {
      if (!e.getKey().startsWith(CHECKPOINTS)) {
        continue;
      }
      String rest = e.getKey().substring(CHECKPOINTS.length());
      int slash = rest.indexOf('/');
      if (slash > 0 && StorageLayout.stepOf(rest.substring(0, slash)).isPresent()) {
        folders
            .computeIfAbsent(rest.substring(0, slash), n -> new TreeMap<>())
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
    CheckpointManifest m = CheckpointManifest.parse(name, manifest);
    for (CheckpointManifest.File f : m.files()) {
      Long actual = files.get(f.name());
      if (actual == null) {
        throw new IllegalArgumentException(f.name() + " is missing");
      }
      if (actual != f.size()) {
        throw new IllegalArgumentException(
            f.name() + " has " + actual + " bytes, " + MANIFEST + " says " + f.size());
      }
    }
    CheckpointRef ref = new CheckpointRef();
    ref.epoch = m.epoch();
    ref.step = m.step();
    ref.time = m.time().toString();
    return ref;
  }
}
