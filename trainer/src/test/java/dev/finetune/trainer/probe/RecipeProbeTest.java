package dev.finetune.trainer.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.AutoRecipe.Candidate;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.RunLoop;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The probe's rules without training: a fold trainer stands in for the network (AutoRecipeTest
 * trains a real one), so divergence and scores can be chosen per candidate.
 */
class RecipeProbeTest {
  static RecipeProbe.Inputs inputs() {
    return new RecipeProbe.Inputs(
        Architecture.RESNET18,
        FoldsTest.CLASSES,
        FoldsTest.tenPerClass(),
        null,
        null,
        null,
        null,
        "file:///source.safetensors",
        4,
        200,
        120,
        5,
        1,
        1,
        null);
  }

  /** Accuracy grows with the head multiplier and depth; x100 diverges on the second fold. */
  static RunLoop.Evaluation scores(Candidate c, int fold, Folds.Fold f, ProbeBudget b) {
    if (c.headMultiplier() == 100 && fold == 1) {
      throw new TrainerException(ExitCode.DIVERGED, "probe: loss is NaN at epoch 1, step 2");
    }
    double acc = 0.3 + 0.1 * AutoRecipe.DEPTHS.indexOf(c.depth()) + 0.001 * c.headMultiplier();
    return new RunLoop.Evaluation(acc, 1.0 - acc);
  }

  @Test
  void aDivergingCandidateIsDroppedAndNamedAndTheBestOfTheRestWins() {
    List<String> log = new ArrayList<>();
    ProbeReport r = RecipeProbe.run(inputs(), log::add, RecipeProbeTest::scores);
    assertEquals(12, r.candidates().size());
    assertEquals(
        4, r.candidates().stream().filter(row -> row.dropped() != null).count(), "the x100s");
    assertTrue(
        r.candidates().get(2).dropped().startsWith("diverged on fold 2: probe: loss is NaN"),
        r.candidates().get(2).dropped());
    assertEquals(
        new ProbeReport.Chosen(
            "layer3", 10.0, AutoRecipe.candidates().get(10).freeze(), 0.3 + 0.1 * 3 + 0.001 * 10.0),
        r.chosen());
    assertTrue(
        log.stream().anyMatch(l -> l.contains("freeze none, head x100: dropped: diverged")),
        log.toString());
    assertTrue(
        log.stream().anyMatch(l -> l.contains("| freeze layer3, head x10 (chosen) |")),
        log.toString());
    assertTrue(
        r.summary()
            .startsWith(
                "auto: freeze layer3, head x10 (validation 0.6100, best of 8 candidates on 2 folds"),
        r.summary());
    assertTrue(r.budgetShare() <= AutoRecipe.BUDGET_SHARE, "share " + r.budgetShare());
    assertEquals(
        r.candidates(), RecipeProbe.run(inputs(), l -> {}, RecipeProbeTest::scores).candidates());
  }

  @Test
  void whenEveryCandidateDivergesTheJobTrainsWithTheDefaultAndSaysSo() {
    ProbeReport r =
        RecipeProbe.run(
            inputs(),
            l -> {},
            (c, fold, f, b) -> {
              throw new TrainerException(ExitCode.DIVERGED, "loss is NaN");
            });
    assertEquals(new ProbeReport.Chosen("none", 10.0, List.of(), null), r.chosen());
    assertTrue(r.summary().contains("every candidate diverged"), r.summary());
  }

  @Test
  void anyOtherFailureIsTheJobsFailure() {
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () ->
                RecipeProbe.run(
                    inputs(),
                    l -> {},
                    (c, fold, f, b) -> {
                      throw new TrainerException(ExitCode.DATASET_INVALID, "too many bad images");
                    }));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode());
  }

  static ProbeReport.Row row(String depth, double m, Double accuracy, Double loss) {
    return new ProbeReport.Row(
        depth,
        m,
        accuracy == null ? null : List.of(accuracy, accuracy),
        accuracy,
        loss,
        accuracy == null ? "diverged on fold 1: loss is NaN" : null);
  }

  @Test
  void theHighestAccuracyWins() {
    var best =
        RecipeProbe.best(
            List.of(
                row("none", 1, 0.5, 0.9),
                row("layer1", 10, 0.75, 1.2),
                row("layer3", 1, 0.6, 0.1)));
    assertEquals("layer1", best.orElseThrow().depth());
  }

  @Test
  void aTieGoesToTheLowerLossThenToTheEarlierCandidate() {
    var best =
        RecipeProbe.best(
            List.of(
                row("none", 1, 0.75, 0.9),
                row("layer1", 10, 0.75, 0.7),
                row("layer2", 1, 0.75, 0.7)));
    assertEquals("layer1", best.orElseThrow().depth());
  }

  @Test
  void aDroppedCandidateNeverWinsAndAllDroppedChoosesNothing() {
    var best = RecipeProbe.best(List.of(row("none", 100, null, null), row("layer2", 1, 0.25, 1.3)));
    assertEquals("layer2", best.orElseThrow().depth());
    assertTrue(RecipeProbe.best(List.of(row("none", 100, null, null))).isEmpty());
  }
}
