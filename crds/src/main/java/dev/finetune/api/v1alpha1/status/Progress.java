package dev.finetune.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where training stands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Progress {
  @JsonPropertyDescription(
      "Current epoch, 1-based (the trainer's finetune_epoch; 0 before the" + " first step).")
  public Integer epoch;

  @JsonPropertyDescription("Epochs requested.")
  public Integer totalEpochs;

  @JsonPropertyDescription("Optimisation steps taken.")
  public Long step;

  @JsonPropertyDescription("Percent of all steps done, 0-100.")
  public Integer percentage;

  @JsonPropertyDescription("Estimated seconds until training ends.")
  public Long estimatedRemainingSeconds;
}
