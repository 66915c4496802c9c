package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** An MLflow tracking server whose model registry gets one version per succeeded job. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MlflowRegistrySpec {
  /** Allowed registered model names; also the message of the validator. */
  public static final String MODEL_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$";

  @Required
  @Pattern("^https?://.+")
  @JsonPropertyDescription(
      "http:// or https:// URL of the MLflow tracking server, e.g."
          + " http://mlflow.mlflow.svc:5000 (the REST API is under <uri>/api/2.0/mlflow/).")
  public String uri;

  @Pattern(MODEL_NAME_PATTERN)
  @JsonPropertyDescription(
      "Registered model name; created if missing. Defaults to the" + " FineTuneJob's name.")
  public String modelName;

  @JsonPropertyDescription(
      "Secret with MLFLOW_TRACKING_TOKEN (sent as Authorization: Bearer)"
          + " or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic auth), read by the"
          + " operator. Omit for a server without authentication.")
  public String credentialsSecret;
}
