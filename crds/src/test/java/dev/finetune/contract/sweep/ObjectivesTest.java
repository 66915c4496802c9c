package dev.finetune.contract.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.spec.ValidationSpec;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The gate: a sweep's objective is measurable exactly when its template has a validation split. */
class ObjectivesTest {
  @Test
  void measurableOnlyWithAValidationSplit() {
    FineTuneSweep s = Sweeps.valid();
    assertEquals(
        Optional.of(
            "spec.template.dataset.validation: validationAccuracy is measured on"
                + " a validation split held out from the training data; set fraction (0.01-0.5, e.g. 0.2)"
                + " or uri; no trial is started rather than choosing on the test split"),
        Objectives.unmeasurable(s.getSpec()));
    s.getSpec().objective.metric = SweepObjective.Metric.VALIDATION_LOSS;
    assertEquals("validationLoss", Objectives.metric(s.getSpec().objective));
    s.getSpec().template.dataset.validation = new ValidationSpec();
    s.getSpec().template.dataset.validation.fraction = 0.2;
    assertEquals(Optional.empty(), Objectives.unmeasurable(s.getSpec()));
    s.getSpec().template.dataset.validation = new ValidationSpec();
    s.getSpec().template.dataset.validation.uri = "s3://data/val.zip";
    assertEquals(Optional.empty(), Objectives.unmeasurable(s.getSpec()));
    assertEquals("validationAccuracy", Objectives.metric(null));
  }
}
