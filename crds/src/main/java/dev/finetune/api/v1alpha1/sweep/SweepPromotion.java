package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * When the sweep ends, the best trial's final model is copied to {@code <template
 * checkpoints.uri>/<sweep name>/best/} unless its gain is below minDelta.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SweepPromotion {
  @Min(-1)
  @Max(1)
  @JsonPropertyDescription(
      "Promote only if the best trial's test accuracy minus the baseline's"
          + " is at least this (-1 to 1, e.g. 0.02); else the Promoted condition says BelowMinDelta."
          + " Default: always promote.")
  public Double minDelta;
}
