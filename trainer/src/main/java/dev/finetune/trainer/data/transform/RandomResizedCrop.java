package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;
import java.util.SplittableRandom;

/**
 * torchvision {@code RandomResizedCrop(n)} with scale (0.08, 1) and ratio (3/4, 4/3): the {@code
 * get_params} algorithm (10 attempts, then the ratio-clamped central fallback), then the crop is
 * resized to n x n (bilinear, antialias).
 */
public final class RandomResizedCrop implements ImageTransform {
  static final double SCALE_MIN = 0.08;
  static final double SCALE_MAX = 1.0;
  static final double RATIO_MIN = 3.0 / 4.0;
  static final double RATIO_MAX = 4.0 / 3.0;

  /** Where a crop lies in the source image. */
  public record Box(int top, int left, int height, int width) {}

  /** The random draws get_params needs; a seam so tests can script them. */
  interface Draws {
    /** Uniform in [lo, hi). */
    double uniform(double lo, double hi);

    /** Uniform integer in [0, bound]. */
    int upTo(int bound);
  }

  private final int size;

  public RandomResizedCrop(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("randomResizedCrop must be >= 1, got " + size);
    }
    this.size = size;
  }

  public int size() {
    return size;
  }

  /** torchvision's get_params for an image of the given size. */
  public static Box params(int height, int width, SplittableRandom rng) {
    return params(
        height,
        width,
        new Draws() {
          @Override
          public double uniform(double lo, double hi) {
            return lo + (hi - lo) * rng.nextDouble();
          }

          @Override
          public int upTo(int bound) {
            return rng.nextInt(bound + 1);
          }
        });
  }

  static Box params(int height, int width, Draws draws) {
    double area = (double) height * width;
    double logLo = Math.log(RATIO_MIN);
    double logHi = Math.log(RATIO_MAX);
    for (int attempt = 0; attempt < 10; attempt++) {
      double targetArea = area * draws.uniform(SCALE_MIN, SCALE_MAX);
      double aspect = Math.exp(draws.uniform(logLo, logHi));
      int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
      int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
      if (0 < w && w <= width && 0 < h && h <= height) {
        int i = draws.upTo(height - h);
        int j = draws.upTo(width - w);
        return new Box(i, j, h, w);
      }
    }
    double inRatio = (double) width / height;
    int w;
    int h;
    if (inRatio < RATIO_MIN) {
      w = width;
      h = (int) Math.rint(w / RATIO_MIN);
    } else if (inRatio > RATIO_MAX) {
      h = height;
      w = (int) Math.rint(h * RATIO_MAX);
    } else {
      w = width;
      h = height;
    }
    return new Box(Math.floorDiv(height - h, 2), Math.floorDiv(width - w, 2), h, w);
  }

  @Override
  public RgbImage apply(RgbImage image, SplittableRandom rng) {
    Box b = params(image.height(), image.width(), rng);
    return Resampler.resize(image, b.top(), b.left(), b.height(), b.width(), size, size);
  }

  @Override
  public String toString() {
    return "RandomResizedCrop(" + size + ")";
  }
}
