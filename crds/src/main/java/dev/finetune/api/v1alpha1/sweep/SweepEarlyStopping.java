package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * The median stopping rule: at epoch k, a running trial whose objective is worse than the median of
 * the completed trials' objectives at epoch k is stopped, once at least minCompletedTrials
 * completed trials reached k.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SweepEarlyStopping {
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "Completed trials needed at an epoch before the rule stops anything" + " there (1-1000).")
  public Integer minCompletedTrials = 3;
}
