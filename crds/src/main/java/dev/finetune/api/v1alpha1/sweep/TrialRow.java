package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** One row of the trials table. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrialRow {
  @JsonPropertyDescription("The trial's FineTuneJob name.")
  public String name;

  @JsonPropertyDescription("Its assignment: field path to value.")
  public Map<String, String> parameters;

  @JsonPropertyDescription("The FineTuneJob's phase.")
  public String phase;

  @JsonPropertyDescription("Its objective value, once known.")
  public Double objective;

  @JsonPropertyDescription("Its test accuracy, once it finished.")
  public Double testAccuracy;

  @JsonPropertyDescription(
      "Its objective at each epoch the operator saw validated, in epoch order (an epoch"
          + " with no value seen is left out): what the median rule compares.")
  public java.util.List<EpochObjective> objectiveByEpoch;
}
