package dev.finetune.operator.registry;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the operator authenticates to MLflow, from spec.registry.mlflow.credentialsSecret: the keys
 * MLflow's own client reads from the environment. MLFLOW_TRACKING_TOKEN becomes {@code
 * Authorization: Bearer}, MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD basic auth. No
 * Secret: no header.
 */
public record MlflowCredentials(String token, String username, String password) {
  public static final String TOKEN = "MLFLOW_TRACKING_TOKEN";
  public static final String USERNAME = "MLFLOW_TRACKING_USERNAME";
  public static final String PASSWORD = "MLFLOW_TRACKING_PASSWORD";
  public static final MlflowCredentials NONE = new MlflowCredentials(null, null, null);

  /** From the Secret's keys; an error names the missing key, never a value. */
  public static MlflowCredentials of(Map<String, String> keys, String secretName)
      throws RegistryException {
    String token = keys.get(TOKEN);
    String username = keys.get(USERNAME);
    String password = keys.get(PASSWORD);
    if (token != null && !token.isEmpty()) {
      return new MlflowCredentials(token, null, null);
    }
    if (username != null && !username.isEmpty() && password != null) {
      return new MlflowCredentials(null, username, password);
    }
    throw new RegistryException(
        "Secret "
            + secretName
            + " (spec.registry.mlflow.credentialsSecret)"
            + " has neither "
            + TOKEN
            + " nor "
            + USERNAME
            + " and "
            + PASSWORD);
  }

  /** Gets the Secret by name (RBAC: get only), as the checkpoint credentials are read. */
  public static MlflowCredentials read(KubernetesClient client, String namespace, String name)
      throws RegistryException {
    if (name == null || name.isBlank()) {
      return NONE;
    }
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new RegistryException(
          "cannot read Secret " + namespace + "/" + name + " (HTTP " + e.getCode() + ")");
    }
    if (secret == null) {
      throw new RegistryException(
          "Secret "
              + namespace
              + "/"
              + name
              + " (spec.registry.mlflow.credentialsSecret) does not exist");
    }
    Map<String, String> keys = new HashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) ->
                  keys.put(
                      k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8).trim()));
    }
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> keys.put(k, v.trim()));
    }
    return of(keys, name);
  }

  /** The Authorization header's value, if any. */
  public Optional<String> authorization() {
    if (token != null) {
      return Optional.of("Bearer " + token);
    }
    if (username != null) {
      return Optional.of(
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return Optional.empty();
  }

  /** Every value that must never reach a log, a status or an Event. */
  public List<String> secrets() {
    List<String> out = new ArrayList<>();
    authorization().ifPresent(a -> out.add(a.substring(a.indexOf(' ') + 1)));
    for (String s : new String[] {token, password}) {
      if (s != null && !s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The message with every secret value replaced by ****. */
  public String mask(String message) {
    String m = message == null ? "" : message;
    for (String s : secrets()) {
      m = m.replace(s, "****");
    }
    return m;
  }

  @Override
  public String toString() {
    return token != null
        ? "bearer token"
        : username != null ? "basic auth as " + username : "no credentials";
  }
}
