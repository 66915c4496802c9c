package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** One searched field of the trial's FineTuneJob spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SweepParameter {
  @Required
  @JsonPropertyDescription(
      "A FineTuneJob spec field path, e.g. training.learningRate,"
          + " training.headLearningRateMultiplier, training.freeze, training.epochs,"
          + " training.batchSize, training.weightDecay.")
  public String name;

  @Required
  @JsonPropertyDescription(
      "The values the field may take: exactly one of uniform, logUniform,"
          + " integer or categorical.")
  public SearchSpace searchSpace = new SearchSpace();

  public SweepParameter() {}

  public SweepParameter(String name, SearchSpace searchSpace) {
    this.name = name;
    this.searchSpace = searchSpace;
  }
}
