package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** A closed interval of reals; grid search takes gridPoints evenly spread values from it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RealRange {
  @Required
  @JsonPropertyDescription("Smallest value.")
  public Double min;

  @Required
  @JsonPropertyDescription("Largest value (at least min).")
  public Double max;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "Grid only: how many values, min and max included (1 takes min)."
          + " Required with algorithm grid; random ignores it.")
  public Integer gridPoints;

  public RealRange() {}

  public RealRange(double min, double max, Integer gridPoints) {
    this.min = min;
    this.max = max;
    this.gridPoints = gridPoints;
  }
}
