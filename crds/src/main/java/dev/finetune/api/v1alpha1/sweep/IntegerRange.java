package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** Integers min, min+step, ... up to max. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IntegerRange {
  @Required
  @JsonPropertyDescription("Smallest value.")
  public Long min;

  @Required
  @JsonPropertyDescription(
      "Largest value (at least min); included when min + k*step reaches" + " it.")
  public Long max;

  @Min(1)
  @JsonPropertyDescription("Distance between values; default 1.")
  public Long step;

  public IntegerRange() {}

  public IntegerRange(long min, long max, Long step) {
    this.min = min;
    this.max = max;
    this.step = step;
  }
}
