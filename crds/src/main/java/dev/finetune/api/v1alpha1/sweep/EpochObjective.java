package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * A trial's objective at one epoch. A list of these, not a list of numbers with nulls for the
 * epochs nobody saw: the API server refuses a null item in a list of numbers, and a refused status
 * write would freeze the sweep's status.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EpochObjective {
  @Required
  @JsonPropertyDescription("The epoch (1 is the first).")
  public Integer epoch;

  @Required
  @JsonPropertyDescription("The objective's value after that epoch.")
  public Double objective;

  public EpochObjective() {}

  public EpochObjective(int epoch, double objective) {
    this.epoch = epoch;
    this.objective = objective;
  }
}
