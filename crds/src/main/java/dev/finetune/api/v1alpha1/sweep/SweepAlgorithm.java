package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** grid, or random with a seed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SweepAlgorithm {
  /** The search algorithms. */
  public enum Type {
    /** Every point of the product of the spaces, first parameter slowest. */
    @JsonProperty("grid")
    GRID,
    /** maxTrials points drawn from a generator seeded with seed. */
    @JsonProperty("random")
    RANDOM
  }

  @JsonPropertyDescription("grid (default) or random.")
  public Type type = Type.GRID;

  @Min(0)
  @JsonPropertyDescription("random only: the seed; the same seed gives the same trials.")
  public Long seed = 0L;

  public static SweepAlgorithm random(long seed) {
    SweepAlgorithm a = new SweepAlgorithm();
    a.type = Type.RANDOM;
    a.seed = seed;
    return a;
  }
}
