package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Overrides for the from-scratch baseline; everything else is taken from training. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FromScratchSpec {
  @Min(0)
  @Max(10)
  @JsonPropertyDescription(
      "Learning rate of the scratch run (every layer). Default:" + " training.learningRate.")
  public Double learningRate;

  @Min(1)
  @Max(10000)
  @JsonPropertyDescription("Epochs of the scratch run. Default: training.epochs.")
  public Integer epochs;
}
