package dev.finetune.trainer.data.transform;

import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.NormalizeSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.api.v1alpha1.spec.TransformsSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.error.TrainerException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * A preprocessing chain: resize, centerCrop, randomResizedCrop, horizontalFlip (each optional,
 * always in that order), then to-tensor and normalize. All randomness comes from the {@link
 * SplittableRandom} passed per sample, so a sample's output depends only on that RNG.
 *
 * <p>Batches need one size: when the chain ends in a crop the output is always n x n ({@link
 * #fixedSize()}); otherwise {@link dev.finetune.trainer.data.batch.BatchStream} accepts the images
 * only if all in a batch share a size, and fails with INVALID_SPEC naming {@link #field()} if not.
 */
public final class ImagePipeline {
  private static final int MAX_SIDE = 4096;

  private final String field;
  private final List<ImageTransform> steps;
  private final Normalize normalize;
  private final OptionalInt fixedSize;

  public ImagePipeline(String field, List<ImageTransform> steps, Normalize normalize) {
    this.field = field;
    this.steps = List.copyOf(steps);
    this.normalize = normalize;
    OptionalInt fixed = OptionalInt.empty();
    for (ImageTransform t : this.steps) {
      if (t instanceof CenterCrop c) {
        fixed = OptionalInt.of(c.size());
      } else if (t instanceof RandomResizedCrop r) {
        fixed = OptionalInt.of(r.size());
      } else if (t instanceof Resize) {
        fixed = OptionalInt.empty();
      }
    }
    this.fixedSize = fixed;
  }

  /** Training chain from spec.transforms.train; default randomResizedCrop 224 + horizontalFlip. */
  public static ImagePipeline forTraining(TransformsSpec spec) {
    ImageTransformSpec t = spec == null ? null : spec.train;
    if (t == null) {
      t = new ImageTransformSpec();
      t.randomResizedCrop = 224;
      t.horizontalFlip = true;
    }
    return of(t, spec == null ? null : spec.normalize, "spec.transforms.train", true);
  }

  /**
   * Evaluation chain from spec.transforms.test; default resize 256 (shorter side) + centerCrop 224.
   * d2l's recipe sets {@code resize: [256, 256]} instead (see the hot dog example).
   */
  public static ImagePipeline forTest(TransformsSpec spec) {
    ImageTransformSpec t = spec == null ? null : spec.test;
    if (t == null) {
      t = new ImageTransformSpec();
      t.resize = ResizeSpec.shorterSide(256);
      t.centerCrop = 224;
    }
    return of(t, spec == null ? null : spec.normalize, "spec.transforms.test", false);
  }

  /**
   * Builds and validates a chain. {@code field} (e.g. "spec.transforms.train") names the spec in
   * messages; random steps are refused unless {@code allowRandom}.
   */
  public static ImagePipeline of(
      ImageTransformSpec spec, NormalizeSpec normalize, String field, boolean allowRandom) {
    List<ImageTransform> steps = new ArrayList<>();
    if (spec.resize != null) {
      steps.add(resize(spec.resize, field + ".resize"));
    }
    if (spec.centerCrop != null) {
      steps.add(new CenterCrop(side(spec.centerCrop, field + ".centerCrop")));
    }
    if (spec.randomResizedCrop != null) {
      random(allowRandom, field + ".randomResizedCrop");
      steps.add(new RandomResizedCrop(side(spec.randomResizedCrop, field + ".randomResizedCrop")));
    }
    if (Boolean.TRUE.equals(spec.horizontalFlip)) {
      random(allowRandom, field + ".horizontalFlip");
      steps.add(new HorizontalFlip());
    }
    String normField =
        field.contains(".")
            ? field.substring(0, field.lastIndexOf('.')) + ".normalize"
            : "normalize";
    return new ImagePipeline(field, steps, Normalize.from(normalize, normField));
  }

  private static Resize resize(ResizeSpec r, String field) {
    String problem = r.problem();
    if (problem != null) {
      throw new TrainerException(ExitCode.INVALID_SPEC, field + " " + problem);
    }
    return r.keepsAspectRatio() ? new Resize(r.shorterSide()) : new Resize(r.height(), r.width());
  }

  private static int side(int v, String field) {
    if (v < 1 || v > MAX_SIDE) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC, field + " must be 1.." + MAX_SIDE + ", got " + v);
    }
    return v;
  }

  private static void random(boolean allowed, String field) {
    if (!allowed) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          field + " is a random augmentation and" + " is allowed only in spec.transforms.train");
    }
  }

  /** The spec path this chain came from, for messages. */
  public String field() {
    return field;
  }

  /** The square output side when the chain ends in a crop. */
  public OptionalInt fixedSize() {
    return fixedSize;
  }

  public List<ImageTransform> steps() {
    return steps;
  }

  /** Applies the geometric steps (no tensor conversion). */
  public RgbImage geometry(RgbImage image, SplittableRandom rng) {
    RgbImage out = image;
    for (ImageTransform t : steps) {
      out = t.apply(out, rng);
    }
    return out;
  }

  /** Writes the normalised CHW floats of an image produced by {@link #geometry}. */
  public void toTensor(RgbImage image, float[] dst, int offset) {
    normalize.apply(image, dst, offset);
  }

  /** The whole chain: CHW floats of length 3 * h * w. */
  public float[] apply(RgbImage image, SplittableRandom rng) {
    RgbImage g = geometry(image, rng);
    float[] out = new float[3 * g.width() * g.height()];
    toTensor(g, out, 0);
    return out;
  }

  @Override
  public String toString() {
    return field + steps;
  }

  /** The largest magnitude a normalized pixel can have (see {@link Normalize#maxMagnitude()}). */
  public double maxInputMagnitude() {
    return normalize.maxMagnitude();
  }
}
