package dev.finetune.trainer.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.error.TrainerException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FoldsTest {
  /** A split of labels only: the folds never decode. */
  record Labels(int... labels) implements Split {
    @Override
    public int size() {
      return labels.length;
    }

    @Override
    public int label(int i) {
      return labels[i];
    }

    @Override
    public String describe(int i) {
      return "sample " + i;
    }

    @Override
    public RgbImage decode(int i) {
      throw new UnsupportedOperationException();
    }
  }

  static final List<String> CLASSES = List.of("a", "b", "c");

  static Labels tenPerClass() {
    int[] l = new int[30];
    for (int i = 0; i < l.length; i++) {
      l[i] = i % 3;
    }
    return new Labels(l);
  }

  static List<List<Integer>> validationSets(List<Folds.Fold> folds) {
    List<List<Integer>> out = new ArrayList<>();
    for (Folds.Fold f : folds) {
      List<Integer> v = new ArrayList<>();
      for (int i = 0; i < f.validation().size(); i++) {
        v.add(f.validation().baseIndex(i));
      }
      out.add(v);
    }
    return out;
  }

  @Test
  void everyImageIsValidatedOnceAndEveryFoldHoldsEveryClass() {
    Labels split = tenPerClass();
    List<Folds.Fold> folds = Folds.split(split, CLASSES, 2, 7);
    assertEquals(2, folds.size());
    Set<Integer> seen = new HashSet<>();
    for (Folds.Fold f : folds) {
      assertEquals(split.size(), f.train().size() + f.validation().size());
      int[] perClass = new int[3];
      for (int i = 0; i < f.validation().size(); i++) {
        assertTrue(seen.add(f.validation().baseIndex(i)), "validated twice");
        perClass[f.validation().label(i)]++;
      }
      assertEquals(List.of(5, 5, 5), List.of(perClass[0], perClass[1], perClass[2]));
      for (int i = 0; i < f.train().size(); i++) {
        for (int j = 0; j < f.validation().size(); j++) {
          assertNotEquals(f.train().baseIndex(i), f.validation().baseIndex(j));
        }
      }
    }
    assertEquals(split.size(), seen.size());
  }

  @Test
  void theSeedAloneDecides() {
    Labels split = tenPerClass();
    assertEquals(
        validationSets(Folds.split(split, CLASSES, 2, 7)),
        validationSets(Folds.split(split, CLASSES, 2, 7)));
    assertNotEquals(
        validationSets(Folds.split(split, CLASSES, 2, 7)),
        validationSets(Folds.split(split, CLASSES, 2, 8)));
  }

  @Test
  void aClassWithOneImageIsRefusedNamingIt() {
    TrainerException e =
        assertThrows(
            TrainerException.class, () -> Folds.split(new Labels(0, 0, 1, 1, 2), CLASSES, 2, 0));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode());
    assertTrue(e.getMessage().contains("class 'c' has 1"), e.getMessage());
    assertTrue(e.getMessage().contains("spec.training.recipe: auto"), e.getMessage());
  }
}
