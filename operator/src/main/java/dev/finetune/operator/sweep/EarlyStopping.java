package dev.finetune.operator.sweep;

import dev.finetune.api.v1alpha1.spec.TrainingSpec;
import dev.finetune.api.v1alpha1.sweep.EpochObjective;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import dev.finetune.api.v1alpha1.sweep.TrialRow;
import dev.finetune.contract.sweep.MedianStop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pure: the median rule ({@link MedianStop}) wired to what the operator sees. Each trial's
 * objective per epoch is kept in the sweep's status ({@code trials[].objectiveByEpoch}): the last
 * status's curves plus the value each trial reports now at its validationEpoch (the trainer
 * scrapes, so an epoch that started and ended between two scrapes has no value, and such a trial
 * does not count at that epoch). A running trial with a value at epoch k is stopped when it is
 * worse than the median of the succeeded trials' values at k, once spec.earlyStopping's
 * minCompletedTrials of them have one.
 */
final class EarlyStopping {
  private EarlyStopping() {}

  /** A trial to stop and why (the Event's and the annotation's text). */
  record Stop(Trial trial, String why) {}

  /** Each trial's objective by epoch (index 0 = epoch 1; null where none was seen). */
  static Map<String, List<Double>> curves(SweepObservation o, FineTuneSweepStatus previous) {
    Map<String, List<Double>> out = new HashMap<>();
    if (previous != null && previous.trials != null) {
      for (TrialRow r : previous.trials) {
        if (r.objectiveByEpoch != null) {
          out.put(r.name, curve(r.objectiveByEpoch));
        }
      }
    }
    for (Trial t : o.trials()) {
      Integer k = t.validationEpoch();
      if (!t.exists() || t.objective() == null || !plausible(k)) {
        continue;
      }
      List<Double> curve = out.computeIfAbsent(t.name(), n -> new ArrayList<>());
      while (curve.size() < k) {
        curve.add(null);
      }
      curve.set(k - 1, t.objective());
    }
    return out;
  }

  /** A curve (index 0 = epoch 1, null where none was seen) as status rows; null for none. */
  static List<EpochObjective> rows(List<Double> curve) {
    if (curve == null) {
      return null;
    }
    List<EpochObjective> rows = new ArrayList<>();
    for (int i = 0; i < curve.size(); i++) {
      if (curve.get(i) != null) {
        rows.add(new EpochObjective(i + 1, curve.get(i)));
      }
    }
    return rows.isEmpty() ? null : rows;
  }

  /** Status rows back to a curve; a row without an epoch or a value is skipped. */
  static List<Double> curve(List<EpochObjective> rows) {
    List<Double> curve = new ArrayList<>();
    for (EpochObjective r : rows) {
      if (r == null || !plausible(r.epoch) || r.objective == null) {
        continue;
      }
      while (curve.size() < r.epoch) {
        curve.add(null);
      }
      curve.set(r.epoch - 1, r.objective);
    }
    return curve;
  }

  /**
   * An epoch a curve may hold: 1 to the CRD's largest training.epochs. Anything else (a status or a
   * scrape that says epoch 2^31) is ignored rather than grown into a list that size.
   */
  static boolean plausible(Integer epoch) {
    return epoch != null && epoch >= 1 && epoch <= TrainingSpec.MAX_EPOCHS;
  }

  static List<Stop> stops(
      FineTuneSweepSpec spec, SweepObservation o, Map<String, List<Double>> curves) {
    if (spec.earlyStopping == null) {
      return List.of();
    }
    int min =
        spec.earlyStopping.minCompletedTrials == null ? 3 : spec.earlyStopping.minCompletedTrials;
    SweepObjective.Direction direction =
        spec.objective == null || spec.objective.direction == null
            ? SweepObjective.Direction.MAXIMIZE
            : spec.objective.direction;
    List<Stop> out = new ArrayList<>();
    for (Trial t : o.trials()) {
      Integer k = t.validationEpoch();
      if (!t.active() || t.objective() == null || !plausible(k)) {
        continue;
      }
      List<Double> completed = new ArrayList<>();
      for (Trial c : o.trials()) {
        List<Double> curve = curves.get(c.name());
        if (c.succeeded() && curve != null && curve.size() >= k && curve.get(k - 1) != null) {
          completed.add(curve.get(k - 1));
        }
      }
      if (MedianStop.stop(direction, t.objective(), completed, min)) {
        out.add(
            new Stop(
                t,
                String.format(
                    Locale.ROOT,
                    "epoch %d: objective %.4f is worse than"
                        + " the median %.4f of %d completed trials there",
                    k,
                    t.objective(),
                    MedianStop.median(completed),
                    completed.size())));
      }
    }
    return out;
  }
}
