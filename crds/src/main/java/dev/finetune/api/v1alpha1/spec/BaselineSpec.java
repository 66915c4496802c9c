package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Extra runs reported next to the fine-tuned result. */
public class BaselineSpec {
  @JsonPropertyDescription(
      "Train the identical network from random initialisation on the same"
          + " data and report its accuracy beside the fine-tuned one.")
  public FromScratchSpec fromScratch;
}
