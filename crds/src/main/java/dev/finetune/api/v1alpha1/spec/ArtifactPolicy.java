package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happens to checkpoints and the final model in object storage when the job is deleted. */
public enum ArtifactPolicy {
  /** Keep everything under checkpoints.uri (default). */
  @JsonProperty("Retain")
  RETAIN,
  /** Delete checkpoints/ and model/ under checkpoints.uri when the FineTuneJob is deleted. */
  @JsonProperty("Delete")
  DELETE
}
