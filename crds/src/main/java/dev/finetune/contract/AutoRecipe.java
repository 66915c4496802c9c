package dev.finetune.contract;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code training.recipe: auto}: what the probe tries, its budget, and the spec rules around it.
 * The trainer's {@code probe/} package runs it; {@code finetune validate} prints {@link
 * #explain()}.
 *
 * <p>Why one {@code recipe} field rather than {@code freeze: auto} and {@code
 * headLearningRateMultiplier: auto}: the two choices interact (a deep freeze wants a faster head),
 * so the probe picks them together from one grid, and a typed list and a typed number keep their
 * schema instead of becoming int-or-string.
 */
public final class AutoRecipe {
  /** Freeze depths tried, shallowest first: "none", then through layer1, layer2, layer3. */
  public static final List<String> DEPTHS = List.of("none", "layer1", "layer2", "layer3");

  /** Head learning-rate multipliers tried. */
  public static final List<Double> MULTIPLIERS = List.of(1.0, 10.0, 100.0);

  /** Folds of the training split: every image is validated once, by a model that never saw it. */
  public static final int FOLDS = 2;

  /** The probe's compute, at most this share of the fine-tune's own (training and evaluation). */
  public static final double BUDGET_SHARE = 0.2;

  private AutoRecipe() {}

  /** One point of the grid. */
  public record Candidate(String depth, double headMultiplier) {
    /** The training.freeze list of this depth: [] or [conv1, bn1, layer1, ..., layerN]. */
    public List<String> freeze() {
      int through = DEPTHS.indexOf(depth);
      if (through < 0) {
        throw new IllegalArgumentException("unknown depth " + depth + "; allowed: " + DEPTHS);
      }
      List<String> out = new ArrayList<>();
      if (through > 0) {
        out.add("conv1");
        out.add("bn1");
        for (int i = 1; i <= through; i++) {
          out.add("layer" + i);
        }
      }
      return List.copyOf(out);
    }

    /** "freeze layer2, head x10" or "freeze none, head x1". */
    public String label() {
      double m = headMultiplier;
      return "freeze "
          + depth
          + ", head x"
          + (m == Math.rint(m) ? Long.toString((long) m) : Double.toString(m));
    }
  }

  /**
   * Every candidate in tie-break order: depth-major, shallowest first, then the smaller multiplier
   * (of two candidates with the same score, the one closer to plain fine-tuning wins).
   */
  public static List<Candidate> candidates() {
    List<Candidate> out = new ArrayList<>();
    for (String d : DEPTHS) {
      for (double m : MULTIPLIERS) {
        out.add(new Candidate(d, m));
      }
    }
    return List.copyOf(out);
  }

  /** The lines {@code finetune validate} prints for a job with recipe: auto. */
  public static List<String> explain() {
    return List.of(
        "training.recipe: auto: before the fine-tune, a "
            + FOLDS
            + "-fold probe on the training split (each class split evenly, seeded by"
            + " training.seed) tries "
            + candidates().size()
            + " candidates:",
        "  freeze depth " + String.join(", ", DEPTHS) + " x head multiplier 1, 10, 100",
        "  each trained the same number of steps, within "
            + Math.round(BUDGET_SHARE * 100)
            + "% of the fine-tune's own compute",
        "  the best mean validation accuracy wins; ties go to the lower validation loss, then to"
            + " the shallower freeze and smaller multiplier",
        "  a candidate whose loss diverges is dropped; the choice and the table go to"
            + " result.json, the model card and status.recipe");
  }

  /** The spec rules: run by {@link SpecValidator} once the schema walk passed. */
  static void rules(FineTuneJobSpec spec, List<Violation> v) {
    if (!spec.training.autoRecipe()) {
      return;
    }
    if (!spec.training.freeze.isEmpty()) {
      v.add(
          new Violation(
              "spec.training.freeze",
              "must be empty with training.recipe: auto, which picks the depth itself (none,"
                  + " layer1, layer2 or layer3); remove freeze or set recipe: fixed"));
    }
    if (spec.training.headLearningRateMultiplier != null) {
      v.add(
          new Violation(
              "spec.training.headLearningRateMultiplier",
              "must be unset with training.recipe: auto, which picks it itself (1, 10 or 100);"
                  + " remove it or set recipe: fixed"));
    }
    if (spec.model.pretrained == null) {
      v.add(
          new Violation(
              "spec.training.recipe",
              "auto chooses how to fine-tune a source model and needs spec.model.pretrained;"
                  + " use fixed to train from scratch"));
    }
    if (spec.dataset.limitPerClass != null && spec.dataset.limitPerClass < FOLDS) {
      v.add(
          new Violation(
              "spec.dataset.limitPerClass",
              "training.recipe: auto needs at least "
                  + FOLDS
                  + " training images per class for its "
                  + FOLDS
                  + "-fold probe, got "
                  + spec.dataset.limitPerClass));
    }
  }
}
