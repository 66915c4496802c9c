package dev.finetune.operator.sweep;

import dev.finetune.api.v1alpha1.sweep.BestTrial;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import java.util.Optional;

/**
 * Pure: the best succeeded trial by the objective (highest validation accuracy, or lowest
 * validation loss, as the direction says), the earlier trial in the search's order on a tie. Its
 * gain is its test accuracy minus the baseline's, reported, never used to choose.
 */
final class BestTrials {
  private BestTrials() {}

  static Optional<BestTrial> best(SweepObservation o, SweepObjective objective) {
    boolean minimize =
        objective != null && objective.direction == SweepObjective.Direction.MINIMIZE;
    Trial best = null;
    for (Trial t : o.trials()) {
      if (!t.succeeded() || t.objective() == null) {
        continue;
      }
      if (best == null
          || (minimize ? t.objective() < best.objective() : t.objective() > best.objective())) {
        best = t;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    BestTrial b = new BestTrial();
    b.name = best.name();
    b.parameters = best.assignment().values();
    b.objective = best.objective();
    b.testAccuracy = best.testAccuracy();
    Double baseline = o.baseline().testAccuracy();
    b.accuracyGain =
        baseline == null || best.testAccuracy() == null ? null : best.testAccuracy() - baseline;
    return Optional.of(b);
  }
}
