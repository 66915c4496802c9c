package dev.finetune.trainer.data.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * spec.dataset.limitPerClass: keeps at most k samples of each class. For class c the indices of
 * that class (in split order) are shuffled with {@code SplittableRandom(Seeds.mix(seed, c))} and
 * the first k are kept, so each class's choice depends only on the seed and that class; the kept
 * samples stay in their original order.
 */
public final class FewShot {
  private FewShot() {}

  public static Split limitPerClass(Split split, int numClasses, int k, long seed) {
    if (k < 1) {
      throw new IllegalArgumentException("limitPerClass must be >= 1");
    }
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < numClasses; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < split.size(); i++) {
      byClass.get(split.label(i)).add(i);
    }
    boolean[] keep = new boolean[split.size()];
    for (int c = 0; c < numClasses; c++) {
      int[] idx = byClass.get(c).stream().mapToInt(Integer::intValue).toArray();
      Seeds.shuffle(idx, new SplittableRandom(Seeds.mix(seed, c, 0x5EED_F5L)));
      for (int j = 0; j < Math.min(k, idx.length); j++) {
        keep[idx[j]] = true;
      }
    }
    int[] kept = new int[split.size()];
    int n = 0;
    for (int i = 0; i < keep.length; i++) {
      if (keep[i]) {
        kept[n++] = i;
      }
    }
    return new SubsetSplit(split, Arrays.copyOf(kept, n));
  }
}
