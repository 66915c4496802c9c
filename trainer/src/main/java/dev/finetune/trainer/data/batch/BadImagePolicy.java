package dev.finetune.trainer.data.batch;

import dev.finetune.api.v1alpha1.spec.DatasetSpec;

/**
 * How many undecodable images a split may contain: at most {@code maxBadImagesPercent} percent of
 * the split (spec.dataset.maxBadImagesPercent, default 1). Bad images are skipped with a warning;
 * one more than allowed fails the stream with DATASET_INVALID naming the last file.
 */
public record BadImagePolicy(int maxBadImagesPercent) {
  /** 1 percent, the spec default. */
  public static final BadImagePolicy DEFAULT = new BadImagePolicy(1);

  public BadImagePolicy {
    if (maxBadImagesPercent < 0 || maxBadImagesPercent > 100) {
      throw new IllegalArgumentException("maxBadImagesPercent must be 0..100");
    }
  }

  public static BadImagePolicy of(DatasetSpec spec) {
    return spec == null || spec.maxBadImagesPercent == null
        ? DEFAULT
        : new BadImagePolicy(spec.maxBadImagesPercent);
  }

  /** Whether {@code bad} skipped images out of a split of {@code size} exceed the limit. */
  public boolean tooMany(long bad, long size) {
    return bad * 100 > (long) maxBadImagesPercent * size;
  }
}
