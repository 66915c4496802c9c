package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Who chooses the fine-tune's freeze depth and head learning-rate multiplier. */
public enum RecipeMode {
  /** The spec does: training.freeze and training.headLearningRateMultiplier as written. */
  @JsonProperty("fixed")
  FIXED,
  /**
   * A short k-fold probe on the training split does, before the fine-tune (see {@link
   * dev.finetune.contract.AutoRecipe}).
   */
  @JsonProperty("auto")
  AUTO
}
