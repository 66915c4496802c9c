package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;
import java.util.SplittableRandom;

/**
 * torchvision {@code Resize(n)} on a PIL image: the shorter side becomes n, the longer side
 * {@code int(n * long / short)}; bilinear with antialias (see {@link Resampler}).
 */
public final class Resize implements ImageTransform {
  private final int size;

  public Resize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("resize must be >= 1, got " + size);
    }
    this.size = size;
  }

  public int size() {
    return size;
  }

  /** Output {width, height} for an input of the given size, exactly as torchvision 0.14. */
  public static int[] outputSize(int size, int width, int height) {
    int shortSide = Math.min(width, height);
    int longSide = Math.max(width, height);
    int newLong = (int) ((double) ((long) size * longSide) / shortSide);
    return width <= height ? new int[] {size, newLong} : new int[] {newLong, size};
  }

  @Override
  public RgbImage apply(RgbImage image, SplittableRandom rng) {
    int[] wh = outputSize(size, image.width(), image.height());
    return Resampler.resize(image, wh[0], wh[1]);
  }

  @Override
  public String toString() {
    return "Resize(" + size + ")";
  }
}
