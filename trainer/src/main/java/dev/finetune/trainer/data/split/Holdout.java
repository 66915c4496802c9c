package dev.finetune.trainer.data.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * spec.dataset.validation.fraction: holds out a fraction of each class's training samples as the
 * validation split. For class c with n samples, round(fraction * n) of them, at most n - 1 (every
 * class keeps a training sample; a class of one sample gives none), are the first of the class's
 * indices shuffled with {@code SplittableRandom(Seeds.mix(seed, c, ...))}: the choice depends only
 * on the seed, the class and its samples. Both parts keep the split's order and never share a
 * sample.
 */
public final class Holdout {
  private Holdout() {}

  /** The training part and the held-out validation part of {@code split}. */
  public record Parts(SubsetSplit train, SubsetSplit validation) {}

  public static Parts split(Split split, int numClasses, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
    }
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < numClasses; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < split.size(); i++) {
      byClass.get(split.label(i)).add(i);
    }
    boolean[] held = new boolean[split.size()];
    for (int c = 0; c < numClasses; c++) {
      int[] idx = byClass.get(c).stream().mapToInt(Integer::intValue).toArray();
      int n = Math.min((int) Math.round(fraction * idx.length), idx.length - 1);
      Seeds.shuffle(idx, new SplittableRandom(Seeds.mix(seed, c, 0x7A11_DA7EL)));
      for (int j = 0; j < n; j++) {
        held[idx[j]] = true;
      }
    }
    int[] train = new int[split.size()];
    int[] validation = new int[split.size()];
    int t = 0;
    int v = 0;
    for (int i = 0; i < held.length; i++) {
      if (held[i]) {
        validation[v++] = i;
      } else {
        train[t++] = i;
      }
    }
    return new Parts(
        new SubsetSplit(split, Arrays.copyOf(train, t)),
        new SubsetSplit(split, Arrays.copyOf(validation, v)));
  }
}
