package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How per-example cross-entropy losses become the scalar that is differentiated. */
public enum LossReduction {
  /** Average over the batch (torch's default). */
  @JsonProperty("mean")
  MEAN,
  /** Sum over the batch, as d2l's fine-tuning chapter does: gradients scale with batch size. */
  @JsonProperty("sum")
  SUM
}
