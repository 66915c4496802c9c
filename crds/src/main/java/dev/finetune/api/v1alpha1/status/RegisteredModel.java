package dev.finetune.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The model registry version that holds this job's final model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegisteredModel {
  @JsonPropertyDescription("Registry the version was created in: mlflow.")
  public String registry;

  @JsonPropertyDescription(
      "Registered model name (spec.registry.mlflow.modelName, else the" + " job's name).")
  public String name;

  @JsonPropertyDescription("Version number the registry assigned, as a string.")
  public String version;

  @JsonPropertyDescription("The version's source: the job's finalModelUri.")
  public String uri;
}
