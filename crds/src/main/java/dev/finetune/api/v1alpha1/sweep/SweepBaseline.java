package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The from-scratch run every trial's gain is measured against. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SweepBaseline {
  @JsonPropertyDescription("The baseline's FineTuneJob name.")
  public String job;

  @JsonPropertyDescription("Its test accuracy, once it finished.")
  public Double testAccuracy;
}
