package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Source weights: exactly one of uri or fromJob. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PretrainedSpec {
  @Pattern("^(file|https|s3|hf)://.+")
  @JsonPropertyDescription(
      "Safetensors file with torchvision parameter names, or a model saved by"
          + " this trainer. Schemes: file://, https://, s3://BUCKET/KEY, hf://ORG/REPO[/FILE]"
          + " (FILE defaults to model.safetensors).")
  public String uri;

  @JsonPropertyDescription(
      "Name of another FineTuneJob in the same namespace whose final model is"
          + " the source (lineage). The trainer CLI resolves it with --from-job NAME=URI.")
  public String fromJob;
}
