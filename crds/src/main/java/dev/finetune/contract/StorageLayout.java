package dev.finetune.contract;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a run keeps its files under {@code spec.checkpoints.uri} (keys relative to that root). The
 * trainer writes this layout ({@code CheckpointStore}); the operator reads it to pick the
 * checkpoint a resume uses, to report the final model, and to delete it on expiry.
 *
 * <pre>
 * checkpoints/ckpt-000000000120/writing.json    written FIRST: {files: [names to be written]}
 * checkpoints/ckpt-000000000120/&lt;file&gt;...     checkpoint files
 * checkpoints/ckpt-000000000120/state.json      {formatVersion, epoch, step, time, state}
 * checkpoints/ckpt-000000000120/manifest.json   written LAST ({@link CheckpointManifest})
 * model/writing.json                            written first, removed last
 * model/model.safetensors                       the final model
 * model/manifest.json                           written LAST: {formatVersion, time, identity,
 *                                               metadata, files}
 * model/result.json                             the run's result, next to the final model
 * probe.json                                    recipe: auto's probe report and the identity of
 *                                               the run it chose for (a resumed run reads it)
 * </pre>
 *
 * <p>Manifests record the {@link RunIdentity} that wrote them. The trainer deletes only files that
 * a manifest or writing.json of its own lists; anything else under the root is left alone.
 */
public final class StorageLayout {
  public static final String CHECKPOINTS = "checkpoints/";
  public static final String MODEL = "model/";
  public static final String MANIFEST = "manifest.json";
  public static final String STATE = "state.json";

  /** Names the files a save is about to write, so an interrupted save can be undone. */
  public static final String WRITING = "writing.json";

  public static final String MODEL_MANIFEST = MODEL + MANIFEST;

  /** File name of the final weights inside {@link #MODEL}. */
  public static final String MODEL_FILE = "model.safetensors";

  public static final String FINAL_MODEL = MODEL + MODEL_FILE;

  /** File name of the final model's metadata (classes, normalize, lineage) next to its weights. */
  public static final String MODEL_METADATA = "model.json";

  /** File name of the run's result record (locally in the output folder). */
  public static final String RESULT_FILE = "result.json";

  /** Reserved for the run's result record in object storage, next to the final model. */
  public static final String RESULT = MODEL + RESULT_FILE;

  /** File name of the fine-tune's model card (Hugging Face front matter) next to its weights. */
  public static final String MODEL_CARD_FILE = "README.md";

  /** The model card in object storage, listed in the model manifest. */
  public static final String MODEL_CARD = MODEL + MODEL_CARD_FILE;

  /** File name of the class labels (a JSON array, in output order) next to the weights. */
  public static final String LABELS_FILE = "labels.json";

  /** training.recipe: auto's probe report, {identity, report}, at the run's root. */
  public static final String PROBE = "probe.json";

  /** Largest step a checkpoint folder name holds (12 digits). */
  public static final long MAX_STEP = 999_999_999_999L;

  private static final Pattern CHECKPOINT_FOLDER = Pattern.compile("ckpt-(\\d{12})");

  private StorageLayout() {}

  /** ckpt-&lt;step zero-padded to 12 digits&gt;; names sort by step. */
  public static String checkpointFolder(long step) {
    if (step < 0 || step > MAX_STEP) {
      throw new IllegalArgumentException("step must be in 0.." + MAX_STEP + ", got " + step);
    }
    return String.format("ckpt-%012d", step);
  }

  /** The step of a checkpoint folder name; empty if the name is not one. */
  public static OptionalLong stepOf(String folder) {
    Matcher m = CHECKPOINT_FOLDER.matcher(folder);
    return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }

  /** checkpoints/&lt;folder&gt;/manifest.json. */
  public static String checkpointManifest(String folder) {
    return CHECKPOINTS + folder + "/" + MANIFEST;
  }

  /** The URI of the final model file under a run's root URI (s3://bucket/prefix). */
  public static String finalModelUri(String root) {
    return (root.endsWith("/") ? root : root + "/") + FINAL_MODEL;
  }

  /** The URI of the final model's card (README.md) under a run's root URI. */
  public static String modelCardUri(String root) {
    return (root.endsWith("/") ? root : root + "/") + MODEL_CARD;
  }
}
