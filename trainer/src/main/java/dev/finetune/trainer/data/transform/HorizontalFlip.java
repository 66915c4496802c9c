package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;
import java.util.SplittableRandom;

/** torchvision {@code RandomHorizontalFlip(0.5)}: mirrors when {@code rng.nextDouble() < 0.5}. */
public final class HorizontalFlip implements ImageTransform {
  @Override
  public RgbImage apply(RgbImage image, SplittableRandom rng) {
    if (rng.nextDouble() >= 0.5) {
      return image;
    }
    return mirror(image);
  }

  /** The image mirrored left-right. */
  public static RgbImage mirror(RgbImage image) {
    int w = image.width();
    int rows = 3 * image.height();
    byte[] in = image.planes();
    byte[] out = new byte[in.length];
    for (int r = 0; r < rows; r++) {
      int b = r * w;
      for (int x = 0; x < w; x++) {
        out[b + x] = in[b + w - 1 - x];
      }
    }
    return new RgbImage(w, image.height(), out);
  }

  @Override
  public String toString() {
    return "HorizontalFlip(0.5)";
  }
}
