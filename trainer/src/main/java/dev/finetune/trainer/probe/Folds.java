package dev.finetune.trainer.probe;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.split.Seeds;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.data.split.SubsetSplit;
import dev.finetune.trainer.error.TrainerException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Stratified k folds of a training split for the probe: each class's images, shuffled by the seed,
 * are dealt to the folds in turn, so every fold holds every class and every image is validated
 * exactly once. Depends only on the seed, the classes and the split's order.
 */
public final class Folds {
  private Folds() {}

  /**
   * One fold: train on {@code train}, validate on {@code validation}; they never share a sample.
   */
  public record Fold(SubsetSplit train, SubsetSplit validation) {}

  /**
   * @throws TrainerException (DATASET_INVALID, permanent) when a class has fewer than k images:
   *     before any training
   */
  public static List<Fold> split(Split split, List<String> classes, int k, long seed) {
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < split.size(); i++) {
      byClass.get(split.label(i)).add(i);
    }
    int[] fold = new int[split.size()];
    for (int c = 0; c < classes.size(); c++) {
      int[] idx = byClass.get(c).stream().mapToInt(Integer::intValue).toArray();
      if (idx.length < k) {
        throw new TrainerException(
            ExitCode.DATASET_INVALID,
            "spec.training.recipe: auto needs at least "
                + k
                + " training images in every class for its "
                + k
                + "-fold probe; class '"
                + classes.get(c)
                + "' has "
                + idx.length
                + " (raise spec.dataset.limitPerClass, add images, or use recipe: fixed)");
      }
      Seeds.shuffle(idx, new SplittableRandom(Seeds.mix(seed, c, 0xF01D5L)));
      for (int j = 0; j < idx.length; j++) {
        fold[idx[j]] = j % k;
      }
    }
    List<Fold> out = new ArrayList<>();
    for (int f = 0; f < k; f++) {
      int[] train = new int[split.size()];
      int[] validation = new int[split.size()];
      int t = 0;
      int v = 0;
      for (int i = 0; i < fold.length; i++) {
        if (fold[i] == f) {
          validation[v++] = i;
        } else {
          train[t++] = i;
        }
      }
      out.add(
          new Fold(
              new SubsetSplit(split, Arrays.copyOf(train, t)),
              new SubsetSplit(split, Arrays.copyOf(validation, v))));
    }
    return List.copyOf(out);
  }
}
