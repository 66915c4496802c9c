package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;
import java.util.SplittableRandom;

/** One geometric step of an {@link ImagePipeline}. Randomness comes only from {@code rng}. */
public interface ImageTransform {
  RgbImage apply(RgbImage image, SplittableRandom rng);
}
