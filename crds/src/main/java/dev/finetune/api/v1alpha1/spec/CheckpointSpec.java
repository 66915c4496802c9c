package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Checkpoint location and cadence. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointSpec {
  @Required
  @Pattern("^(file|s3)://.+")
  @JsonPropertyDescription(
      "file:///DIR or s3://BUCKET/PREFIX. The final model is written here" + " too, under model/.")
  public String uri;

  @Min(1)
  @Max(10000)
  @JsonPropertyDescription("Write a checkpoint every N epochs (and on SIGTERM).")
  public Integer everyEpochs = 1;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("Number of newest valid checkpoints kept; older ones are deleted.")
  public Integer keep = 3;

  @JsonPropertyDescription(
      "Secret with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional"
          + " AWS_ENDPOINT_URL / AWS_REGION, mounted into the trainer as environment variables.")
  public String credentialsSecret;
}
