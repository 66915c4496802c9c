package dev.finetune.contract.sweep;

import dev.finetune.api.v1alpha1.sweep.SweepObjective.Direction;
import java.util.List;

/**
 * The median stopping rule (Golovin et al., Google Vizier): at epoch k, stop a running trial whose
 * objective is worse than the median of the objectives that completed trials had at epoch k, once
 * at least {@code minCompleted} trials reached k. A true median (the mean of the two middle values
 * for an even count), not Katib medianstop's mean. Equal to the median keeps running.
 */
public final class MedianStop {
  private MedianStop() {}

  public static boolean stop(
      Direction direction, double value, List<Double> completedAtEpoch, int minCompleted) {
    if (completedAtEpoch.isEmpty() || completedAtEpoch.size() < minCompleted) {
      return false;
    }
    double median = median(completedAtEpoch);
    return direction == Direction.MINIMIZE ? value > median : value < median;
  }

  public static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
