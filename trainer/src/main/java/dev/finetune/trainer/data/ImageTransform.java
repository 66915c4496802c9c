package dev.finetune.trainer.data;

import java.util.SplittableRandom;

/** One geometric step of an {@link ImagePipeline}. Randomness comes only from {@code rng}. */
public interface ImageTransform {
  RgbImage apply(RgbImage image, SplittableRandom rng);
}
