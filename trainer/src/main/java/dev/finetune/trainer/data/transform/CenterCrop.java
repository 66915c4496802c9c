package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;
import java.util.SplittableRandom;

/**
 * torchvision {@code CenterCrop(n)}: pads with zeros when the image is smaller than n (left/top get
 * {@code (n - w) // 2}), then crops at {@code top = int(round((h - n) / 2.0))} with Python's
 * round-half-to-even.
 */
public final class CenterCrop implements ImageTransform {
  private final int size;

  public CenterCrop(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("centerCrop must be >= 1, got " + size);
    }
    this.size = size;
  }

  public int size() {
    return size;
  }

  /** {top, left} of the crop in the original image (negative means zero padding). */
  public static int[] offsets(int size, int width, int height) {
    int padLeft = size > width ? (size - width) / 2 : 0;
    int padTop = size > height ? (size - height) / 2 : 0;
    int padRight = size > width ? (size - width + 1) / 2 : 0;
    int padBottom = size > height ? (size - height + 1) / 2 : 0;
    int pw = width + padLeft + padRight;
    int ph = height + padTop + padBottom;
    int top = (int) Math.rint((ph - size) / 2.0);
    int left = (int) Math.rint((pw - size) / 2.0);
    return new int[] {top - padTop, left - padLeft};
  }

  @Override
  public RgbImage apply(RgbImage image, SplittableRandom rng) {
    int[] tl = offsets(size, image.width(), image.height());
    return Resampler.crop(image, tl[0], tl[1], size, size);
  }

  @Override
  public String toString() {
    return "CenterCrop(" + size + ")";
  }
}
