package dev.finetune.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the final model was made from, as the trainer recorded it in model/manifest.json. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Lineage {
  @JsonPropertyDescription(
      "URI the source weights were read from (spec.model.pretrained.uri, or"
          + " the fromJob source's final model). Absent when training started from scratch.")
  public String sourceModelUri;

  @JsonPropertyDescription("sha256 (hex) of the source weights file the trainer loaded.")
  public String sourceModelSha256;

  @JsonPropertyDescription(
      "sha256:<hex> over the sorted list of (split, file path, size, sha256)"
          + " of every train and test file the trainer fetched.")
  public String datasetDigest;
}
