package dev.finetune.trainer.probe;

import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.AutoRecipe.Candidate;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.util.List;

/**
 * How long the probe may train, from the fine-tune's own compute. Compute is counted in image
 * passes: a training pass through the whole network is 1, an evaluation pass (forward only) 1/3.
 * The run costs epochs x train images, plus its evaluations of the test and validation splits. A
 * candidate that freezes a front part costs less per training image: the frozen part runs forward
 * only. Stage shares come from the residual block counts (the stem counted as half a block; {@link
 * Architecture#blocksPerStage}), which matches ResNet-18's multiply-adds per stage to within a few
 * percent. Every candidate trains {@code steps} steps of {@code batch} images on each fold, and is
 * evaluated once on each fold's held-out part.
 *
 * @param steps optimisation steps per candidate and fold
 * @param batch images per probe step: training.batchSize, at most the smallest fold's size
 * @param probeUnits the probe's planned compute
 * @param runUnits the fine-tune's compute
 */
public record ProbeBudget(int steps, int batch, double probeUnits, double runUnits) {
  static final double FORWARD = 1.0 / 3;

  /** The probe's share of the run's compute. */
  public double share() {
    return probeUnits / runUnits;
  }

  /**
   * @param trainImages images in the training split (all folds together)
   * @param foldTrainImages images the smallest fold trains on
   * @param evaluatedImages images the fine-tune evaluates over the whole run (test and validation
   *     splits times the number of evaluations)
   * @throws TrainerException (INVALID_SPEC, permanent) when even one step per candidate and fold
   *     exceeds the budget
   */
  public static ProbeBudget plan(
      Architecture architecture,
      List<Candidate> candidates,
      int folds,
      int trainImages,
      int foldTrainImages,
      int batchSize,
      int epochs,
      long evaluatedImages) {
    int batch = Math.max(1, Math.min(batchSize, foldTrainImages));
    double run = runUnits(epochs, trainImages, evaluatedImages);
    double perStep =
        folds * batch * candidates.stream().mapToDouble(c -> cost(architecture, c)).sum();
    double evaluation = candidates.size() * (double) trainImages * FORWARD;
    int steps = (int) Math.floor((AutoRecipe.BUDGET_SHARE * run - evaluation) / perStep);
    if (steps < 1) {
      int needed = epochs;
      while (needed < 100_000
          && AutoRecipe.BUDGET_SHARE * runUnits(needed, trainImages, evaluatedImages)
              < evaluation + perStep) {
        needed++;
      }
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          String.format(
              java.util.Locale.ROOT,
              "spec.training.recipe: auto: this run is too short for the probe: one step per"
                  + " candidate and fold needs %.0f%% of its compute, the limit is %.0f%%; raise"
                  + " spec.training.epochs to at least %d, or use recipe: fixed",
              100 * (evaluation + perStep) / run,
              100 * AutoRecipe.BUDGET_SHARE,
              needed));
    }
    return new ProbeBudget(steps, batch, evaluation + steps * perStep, run);
  }

  static double runUnits(int epochs, int trainImages, long evaluatedImages) {
    return (double) epochs * trainImages + evaluatedImages * FORWARD;
  }

  /** Compute of one training image for this candidate, 1 for a network trained end to end. */
  static double cost(Architecture architecture, Candidate c) {
    double[] shares = stageShares(architecture);
    int through = AutoRecipe.DEPTHS.indexOf(c.depth());
    double frozen = 0;
    for (int i = 0; i <= through && through > 0; i++) {
      frozen += shares[i];
    }
    return frozen * FORWARD + (1 - frozen);
  }

  /** Share of the stem, layer1..layer4 in the network's compute. */
  static double[] stageShares(Architecture architecture) {
    List<Integer> blocks = architecture.blocksPerStage();
    double total = 0.5 + blocks.stream().mapToInt(Integer::intValue).sum();
    double[] shares = new double[5];
    shares[0] = 0.5 / total;
    for (int i = 0; i < 4; i++) {
      shares[i + 1] = blocks.get(i) / total;
    }
    return shares;
  }
}
