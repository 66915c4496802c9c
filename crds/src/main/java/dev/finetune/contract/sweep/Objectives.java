package dev.finetune.contract.sweep;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import java.util.Optional;

/**
 * Whether a sweep's objective can be measured. Both objective metrics are validation-split metrics:
 * the trainer reports them (status.metrics.validationAccuracy and validationLoss of each trial)
 * when the FineTuneJob has spec.dataset.validation. A template without one cannot be judged, and
 * choosing on the test split would inflate the reported accuracy, so the operator runs no trial of
 * such a sweep and says why (Stalled, reason ObjectiveUnavailable).
 */
public final class Objectives {
  private Objectives() {}

  /** The objective's metric name as status and result.json spell it. */
  public static String metric(SweepObjective objective) {
    return objective != null && objective.metric == SweepObjective.Metric.VALIDATION_LOSS
        ? "validationLoss"
        : "validationAccuracy";
  }

  /** Why the objective of {@code spec} cannot be measured, or empty when it can. */
  public static Optional<String> unmeasurable(FineTuneSweepSpec spec) {
    FineTuneJobSpec template = spec == null ? null : spec.template;
    if (template != null && template.dataset != null && template.dataset.validation != null) {
      return Optional.empty();
    }
    return Optional.of(
        "spec.template.dataset.validation: "
            + metric(spec == null ? null : spec.objective)
            + " is measured on a validation split held out from the training"
            + " data; set fraction (0.01-0.5, e.g. 0.2) or uri; no trial is started rather than"
            + " choosing on the test split");
  }
}
