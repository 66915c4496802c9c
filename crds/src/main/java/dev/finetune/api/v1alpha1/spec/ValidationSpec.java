package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The validation split: a seeded, per-class fraction held out from the training split, or a split
 * of its own. Evaluated at every evaluation (training.evalEveryEpochs); it is what a
 * FineTuneSweep's objective is measured on. Never the test split.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = ValidationSpec.EXACTLY_ONE, message = "set exactly one of fraction or uri")
public class ValidationSpec {
  public static final String EXACTLY_ONE = "has(self.fraction) != has(self.uri)";

  @Min(0.01)
  @Max(0.5)
  @JsonPropertyDescription(
      "Hold out this fraction (0.01-0.5) of each class's training images,"
          + " chosen with training.seed, after limitPerClass; each class keeps at least one training"
          + " image (a class of one image is not held out from).")
  public Double fraction;

  @JsonPropertyDescription("A validation split of its own, same rules as dataset.train.")
  public String uri;
}
