package dev.finetune.trainer.probe;

import ai.djl.Device;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.TrainingSpec;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.AutoRecipe.Candidate;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.split.Seeds;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.data.split.SubsetSplit;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.Recipe;
import dev.finetune.trainer.loop.RunLoop;
import dev.finetune.trainer.loop.RunState;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.model.ResNet;
import dev.finetune.trainer.model.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code training.recipe: auto}'s probe: every {@link AutoRecipe#candidates() candidate} is copied
 * from the source model and trained {@link ProbeBudget#steps()} steps on each {@link Folds fold},
 * then scored on the fold's held-out images. The best mean validation accuracy wins (ties: lower
 * mean validation loss, then the candidate order). A candidate whose loss diverges is dropped and
 * the probe goes on; if every candidate diverges the fine-tune falls back to the default recipe
 * (freeze none, head x10) and says so. Deterministic for a seed: the folds, each candidate's head
 * initialisation and data order depend only on training.seed and the fold (the same for every
 * candidate, so they differ only in what they are).
 *
 * <p>Preemption: the probe is redone, not resumed (it is at most a fifth of the run); once it is
 * done its report is stored next to the checkpoints, and a resumed job reads it instead.
 */
public final class RecipeProbe {
  /**
   * What the probe trains on and with.
   *
   * @param base the fine-tune's recipe; each candidate replaces its freeze and head multiplier
   * @param evaluatedImages images the fine-tune evaluates over the whole run (for the budget)
   */
  public record Inputs(
      Architecture architecture,
      List<String> classes,
      Split train,
      ImagePipeline trainPipeline,
      ImagePipeline testPipeline,
      Recipe base,
      byte[] sourceWeights,
      String sourceUri,
      int batchSize,
      int epochs,
      long evaluatedImages,
      long seed,
      int dataWorkers,
      int maxBadImagesPercent,
      Device device) {}

  /** Trains one candidate on one fold and scores it on the fold's held-out part. */
  @FunctionalInterface
  interface FoldTrainer {
    /**
     * @throws TrainerException with {@link ExitCode#DIVERGED} when the loss diverged
     */
    RunLoop.Evaluation train(Candidate candidate, int index, Folds.Fold fold, ProbeBudget budget);
  }

  private RecipeProbe() {}

  public static ProbeReport run(Inputs in, StopSignal stop, Consumer<String> log) {
    return run(in, log, (c, index, fold, budget) -> trainOnFold(in, c, index, fold, budget, stop));
  }

  static ProbeReport run(Inputs in, Consumer<String> log, FoldTrainer trainer) {
    long start = System.nanoTime();
    List<Candidate> candidates = AutoRecipe.candidates();
    List<Folds.Fold> folds = Folds.split(in.train(), in.classes(), AutoRecipe.FOLDS, in.seed());
    int smallestFold = folds.stream().mapToInt(f -> f.train().size()).min().orElse(0);
    ProbeBudget budget =
        ProbeBudget.plan(
            in.architecture(),
            candidates,
            folds.size(),
            in.train().size(),
            smallestFold,
            in.batchSize(),
            in.epochs(),
            in.evaluatedImages());
    log.accept(
        String.format(
            Locale.ROOT,
            "recipe: auto: probing %d candidates on %d folds of %d training images, %d step(s) of"
                + " %d images each, %.0f%% of the fine-tune's compute",
            candidates.size(),
            folds.size(),
            in.train().size(),
            budget.steps(),
            budget.batch(),
            100 * budget.share()));
    List<ProbeReport.Row> rows = new ArrayList<>();
    for (Candidate c : candidates) {
      ProbeReport.Row row = score(c, folds, budget, trainer);
      rows.add(row);
      log.accept(
          "recipe: auto: "
              + c.label()
              + ": "
              + (row.dropped() != null
                  ? "dropped: " + row.dropped()
                  : "validation accuracy "
                      + ProbeReport.fmt(row.validationAccuracy())
                      + ", loss "
                      + ProbeReport.fmt(row.validationLoss())));
    }
    Optional<ProbeReport.Row> best = best(rows);
    Candidate chosen =
        best.map(ProbeReport.Row::candidate)
            .orElse(new Candidate("none", TrainingSpec.DEFAULT_HEAD_MULTIPLIER));
    String summary =
        best.isPresent()
            ? String.format(
                Locale.ROOT,
                "auto: %s (validation %.4f, best of %d candidates on %d folds; probe %.0f%% of"
                    + " the run's compute)",
                chosen.label(),
                best.get().validationAccuracy(),
                rows.stream().filter(r -> r.dropped() == null).count(),
                folds.size(),
                100 * budget.share())
            : "auto: every candidate diverged in the probe; trained with the default, "
                + chosen.label();
    ProbeReport report =
        new ProbeReport(
            "auto",
            new ProbeReport.Chosen(
                chosen.depth(),
                chosen.headMultiplier(),
                chosen.freeze(),
                best.map(ProbeReport.Row::validationAccuracy).orElse(null)),
            folds.size(),
            budget.steps(),
            budget.batch(),
            budget.share(),
            (System.nanoTime() - start) / 1e9,
            List.copyOf(rows),
            summary);
    report.table().forEach(log);
    log.accept("recipe: " + summary);
    return report;
  }

  /** The best scored row: highest accuracy, then lowest loss, then the earliest candidate. */
  static Optional<ProbeReport.Row> best(List<ProbeReport.Row> rows) {
    ProbeReport.Row best = null;
    for (ProbeReport.Row r : rows) {
      if (r.dropped() != null) {
        continue;
      }
      if (best == null
          || r.validationAccuracy() > best.validationAccuracy()
          || (r.validationAccuracy().equals(best.validationAccuracy())
              && r.validationLoss() < best.validationLoss())) {
        best = r;
      }
    }
    return Optional.ofNullable(best);
  }

  private static ProbeReport.Row score(
      Candidate c, List<Folds.Fold> folds, ProbeBudget budget, FoldTrainer trainer) {
    List<Double> accuracies = new ArrayList<>();
    double lossSum = 0;
    for (int f = 0; f < folds.size(); f++) {
      RunLoop.Evaluation e;
      try {
        e = trainer.train(c, f, folds.get(f), budget);
      } catch (TrainerException ex) {
        if (ex.exitCode() != ExitCode.DIVERGED) {
          throw ex;
        }
        return dropped(c, "diverged on fold " + (f + 1) + ": " + ex.getMessage());
      }
      if (!Double.isFinite(e.loss())) {
        return dropped(c, "validation loss is " + e.loss() + " on fold " + (f + 1));
      }
      accuracies.add(e.accuracy());
      lossSum += e.loss();
    }
    double mean = accuracies.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    return new ProbeReport.Row(
        c.depth(), c.headMultiplier(), List.copyOf(accuracies), mean, lossSum / folds.size(), null);
  }

  /**
   * The candidate copied from the source model (new Xavier head), frozen as it says, trained the
   * budget's steps on the fold's training part and evaluated on its held-out part. The seed depends
   * on the fold only, so every candidate starts from the same head and sees the same batches.
   */
  private static RunLoop.Evaluation trainOnFold(
      Inputs in, Candidate c, int index, Folds.Fold fold, ProbeBudget budget, StopSignal stop) {
    Recipe recipe =
        new Recipe(
            in.base().learningRate(),
            c.headMultiplier(),
            in.base().weightDecay(),
            in.base().momentum(),
            in.base().lossReduction(),
            c.freeze());
    long seed = Seeds.mix(in.seed(), index, 0x9B0BEL) & 0x7FFF_FFFFL;
    try (TrainingSession session =
        TrainingSession.open(
            new ResNet(in.architecture(), in.classes().size()),
            recipe,
            seed,
            true,
            32,
            in.device(),
            List.of())) {
      Weights.load(
          session.net(), in.sourceWeights(), in.sourceUri(), n -> n.startsWith(ResNet.HEAD + "."));
      session.applyFreeze();
      RunLoop.Plan plan =
          new RunLoop.Plan(
              "probe",
              steps(fold.train(), budget.steps() * budget.batch(), seed),
              new SubsetSplit(fold.validation(), new int[0]),
              null,
              in.trainPipeline(),
              in.testPipeline(),
              1,
              budget.batch(),
              1,
              seed,
              in.dataWorkers(),
              in.maxBadImagesPercent());
      RunLoop loop = new RunLoop(plan, session, List.of(), stop);
      loop.run(RunState.start());
      return loop.evaluate(fold.validation());
    }
  }

  private static ProbeReport.Row dropped(Candidate c, String why) {
    return new ProbeReport.Row(c.depth(), c.headMultiplier(), null, null, null, why);
  }

  /**
   * {@code count} samples of a fold's training part for one pass of the loop: whole seeded
   * permutations of it, one after another, the last one cut short.
   */
  static SubsetSplit steps(SubsetSplit train, int count, long seed) {
    int[] out = new int[count];
    int[] perm = new int[train.size()];
    int n = 0;
    for (int pass = 0; n < count; pass++) {
      for (int i = 0; i < perm.length; i++) {
        perm[i] = i;
      }
      Seeds.shuffle(perm, new SplittableRandom(Seeds.mix(seed, pass, 0x57E95L)));
      for (int i = 0; i < perm.length && n < count; i++) {
        out[n++] = perm[i];
      }
    }
    return new SubsetSplit(train, out);
  }
}
