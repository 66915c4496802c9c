package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;
import java.util.SplittableRandom;

/**
 * torchvision {@code Resize} on a PIL image, bilinear with antialias (see {@link Resampler}), in
 * its two forms:
 *
 * <ul>
 *   <li>{@code Resize(n)}: the shorter side becomes n, the longer side {@code int(n * long /
 *       short)} (aspect ratio kept);
 *   <li>{@code Resize([h, w])}: the image becomes w x h whatever its aspect ratio.
 * </ul>
 */
public final class Resize implements ImageTransform {
  private final int size;
  private final int height;
  private final int width;

  /** {@code Resize(n)}. */
  public Resize(int size) {
    this.size = positive(size, "resize");
    this.height = 0;
    this.width = 0;
  }

  /** {@code Resize([height, width])}. */
  public Resize(int height, int width) {
    this.size = 0;
    this.height = positive(height, "resize height");
    this.width = positive(width, "resize width");
  }

  private static int positive(int v, String what) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, got " + v);
    }
    return v;
  }

  /** True for {@code Resize(n)}, false for {@code Resize([h, w])}. */
  public boolean keepsAspectRatio() {
    return size > 0;
  }

  /** The n of {@code Resize(n)}, 0 for {@code Resize([h, w])}. */
  public int size() {
    return size;
  }

  /** Output {width, height} of {@code Resize(size)}, exactly as torchvision 0.14. */
  public static int[] outputSize(int size, int width, int height) {
    int shortSide = Math.min(width, height);
    int longSide = Math.max(width, height);
    int newLong = (int) ((double) ((long) size * longSide) / shortSide);
    return width <= height ? new int[] {size, newLong} : new int[] {newLong, size};
  }

  @Override
  public RgbImage apply(RgbImage image, SplittableRandom rng) {
    if (size == 0) {
      return Resampler.resize(image, width, height);
    }
    int[] wh = outputSize(size, image.width(), image.height());
    return Resampler.resize(image, wh[0], wh[1]);
  }

  @Override
  public String toString() {
    return size > 0 ? "Resize(" + size + ")" : "Resize([" + height + ", " + width + "])";
  }
}
