package dev.finetune.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A checkpoint whose manifest was found and verified. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointRef {
  @JsonPropertyDescription("URI of the checkpoint's folder.")
  public String uri;

  @JsonPropertyDescription("Epochs completed when it was written.")
  public Integer epoch;

  @JsonPropertyDescription("Global step when it was written.")
  public Long step;

  @JsonPropertyDescription("RFC 3339 time it was written.")
  public String time;
}
