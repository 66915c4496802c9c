package dev.finetune.trainer.data.split;

import dev.finetune.trainer.data.format.RgbImage;

/** A view of some samples of another split, in the given index order. */
public final class SubsetSplit implements Split {
  private final Split base;
  private final int[] indices;

  public SubsetSplit(Split base, int[] indices) {
    for (int i : indices) {
      if (i < 0 || i >= base.size()) {
        throw new IllegalArgumentException("index " + i + " outside 0.." + (base.size() - 1));
      }
    }
    this.base = base;
    this.indices = indices.clone();
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public int label(int i) {
    return base.label(indices[i]);
  }

  @Override
  public String describe(int i) {
    return base.describe(indices[i]);
  }

  @Override
  public RgbImage decode(int i) {
    return base.decode(indices[i]);
  }

  /** Index into the base split of sample i. */
  public int baseIndex(int i) {
    return indices[i];
  }
}
