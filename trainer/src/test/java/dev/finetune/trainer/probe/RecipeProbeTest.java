package dev.finetune.trainer.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The choice rule, without training (AutoRecipeTest trains). */
class RecipeProbeTest {
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
