package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happens to checkpoints and the final model in object storage when the job is deleted. */
public enum ArtifactPolicy {
  /** Keep everything under checkpoints.uri (default). */
  @JsonProperty("Retain")
  RETAIN,
  /** Delete every object under checkpoints.uri (checkpoints, model, baseline) on deletion. */
  @JsonProperty("Delete")
  DELETE
}
