package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** The winning trial so far. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BestTrial {
  @JsonPropertyDescription("The trial's FineTuneJob name.")
  public String name;

  @JsonPropertyDescription("Its assignment: field path to value.")
  public Map<String, String> parameters;

  @JsonPropertyDescription("Its objective value.")
  public Double objective;

  @JsonPropertyDescription("Its test accuracy (reported, never used to choose).")
  public Double testAccuracy;

  @JsonPropertyDescription("Its test accuracy minus the baseline's.")
  public Double accuracyGain;
}
