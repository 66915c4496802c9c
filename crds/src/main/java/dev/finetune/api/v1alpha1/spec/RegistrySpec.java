package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Model registries the final model is registered in once the job succeeded. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegistrySpec {
  @JsonPropertyDescription(
      "Register the final model as a version in an MLflow model registry"
          + " (REST API 2.0) once the job succeeded.")
  public MlflowRegistrySpec mlflow;
}
