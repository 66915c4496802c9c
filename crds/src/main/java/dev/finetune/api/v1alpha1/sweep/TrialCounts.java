package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How many trials are in each state. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrialCounts {
  @JsonPropertyDescription("Trials created so far.")
  public Integer total;

  @JsonPropertyDescription("Created, not yet running.")
  public Integer pending;

  @JsonPropertyDescription("Running.")
  public Integer running;

  @JsonPropertyDescription("Finished with a result.")
  public Integer succeeded;

  @JsonPropertyDescription("Failed; each trial counts once.")
  public Integer failed;

  @JsonPropertyDescription("Stopped by the median rule (suspended, its checkpoint kept).")
  public Integer earlyStopped;
}
