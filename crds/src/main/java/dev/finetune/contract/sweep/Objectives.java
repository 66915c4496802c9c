package dev.finetune.contract.sweep;

import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import java.util.Optional;

/**
 * Whether a sweep's objective can be measured. Both objective metrics are validation-split
 * metrics, and the trainer has no validation split yet (issue 20's {@code dataset.validation}):
 * it reports train and test metrics only. Choosing on the test split would inflate the reported
 * accuracy, so the operator runs no trial of a sweep whose objective it cannot measure and says
 * why (Stalled, reason ObjectiveUnavailable). When the trainer reports validation metrics, this
 * is where a metric becomes measurable.
 */
public final class Objectives {
  private Objectives() {}

  /** Why {@code objective} cannot be measured, or empty when it can. */
  public static Optional<String> unmeasurable(SweepObjective objective) {
    String metric = objective == null || objective.metric == null ? "validationAccuracy"
        : objective.metric == SweepObjective.Metric.VALIDATION_LOSS ? "validationLoss"
        : "validationAccuracy";
    return Optional.of("spec.objective.metric: " + metric + " is measured on a validation split"
        + " held out from the training data (dataset.validation), which the trainer does not"
        + " have yet; no trial is started rather than choosing on the test split");
  }
}
