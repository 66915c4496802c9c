package dev.finetune.operator.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.api.v1alpha1.status.RegisteredModel;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * MLflow's model registry over its REST API 2.0 (JDK HttpClient and Jackson: four calls do not need
 * a client library, and MLflow publishes no Java registry client outside its Spark-heavy
 * mlflow-client). {@link #register} is idempotent: it searches for a version tagged with the job's
 * uid first, then creates the registered model (an existing one is fine), then the version. Every
 * request has the timeout; nothing is retried here: the reconciler retries with backoff.
 */
public final class MlflowRegistry {
  public static final String REGISTRY = "mlflow";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final MlflowCredentials credentials;
  private final Duration timeout;
  private final HttpClient http;

  public MlflowRegistry(String uri, MlflowCredentials credentials, Duration timeout) {
    this.base = (uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri) + "/api/2.0/mlflow/";
    this.credentials = credentials;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** The job's version: the one already tagged with its uid, else a new one. */
  public RegisteredModel register(ModelVersionEntry entry) throws RegistryException {
    Optional<RegisteredModel> found = find(entry.modelName(), entry.uid());
    if (found.isPresent()) {
      return found.get();
    }
    ObjectNode model = JSON.createObjectNode().put("name", entry.modelName());
    // RESOURCE_ALREADY_EXISTS: the model is there (an earlier job, or an earlier try of this
    // one that stopped before the version), versions are added to it
    send("POST", "registered-models/create", model, "RESOURCE_ALREADY_EXISTS");
    return read(
        send("POST", "model-versions/create", versionRequest(entry), null).path("model_version"));
  }

  /** A version of this model tagged with this uid, if the registry has one. */
  public Optional<RegisteredModel> find(String modelName, String uid) throws RegistryException {
    String filter = searchFilter(modelName, uid);
    String token = null;
    do {
      String query =
          "model-versions/search?max_results=200&filter="
              + URLEncoder.encode(filter, StandardCharsets.UTF_8)
              + (token == null
                  ? ""
                  : "&page_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
      JsonNode page = send("GET", query, null, null);
      for (JsonNode v : page.path("model_versions")) {
        for (JsonNode tag : v.path("tags")) {
          // checked here too: the filter is the server's, the decision is ours
          if (ModelVersionEntry.UID.equals(tag.path("key").asText())
              && uid.equals(tag.path("value").asText())) {
            return Optional.of(read(v));
          }
        }
      }
      token = page.path("next_page_token").asText(null);
    } while (token != null && !token.isEmpty());
    return Optional.empty();
  }

  /** MLflow's search filter: the model's name and the uid tag (backticks: the key has '/'). */
  static String searchFilter(String modelName, String uid) {
    return "name = '"
        + modelName.replace("'", "\\'")
        + "' and tags.`"
        + ModelVersionEntry.UID
        + "` = '"
        + uid.replace("'", "\\'")
        + "'";
  }

  /** The model-versions/create body: name, source, description, tags as key/value pairs. */
  static ObjectNode versionRequest(ModelVersionEntry entry) {
    ObjectNode body =
        JSON.createObjectNode()
            .put("name", entry.modelName())
            .put("source", entry.source())
            .put("description", entry.description());
    ArrayNode tags = body.putArray("tags");
    for (Map.Entry<String, String> t : entry.tags().entrySet()) {
      tags.addObject().put("key", t.getKey()).put("value", t.getValue());
    }
    return body;
  }

  private static RegisteredModel read(JsonNode version) {
    RegisteredModel m = new RegisteredModel();
    m.registry = REGISTRY;
    m.name = version.path("name").asText();
    m.version = version.path("version").asText();
    m.uri = version.path("source").asText();
    return m;
  }

  /**
   * One request. Returns the parsed body, or null when the error code is {@code tolerated}. Throws
   * with the path, the HTTP status and MLflow's error code and message, secrets masked.
   */
  private JsonNode send(String method, String path, JsonNode body, String tolerated)
      throws RegistryException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(timeout)
            .header("Accept", "application/json");
    credentials.authorization().ifPresent(a -> b.header("Authorization", a));
    if (body != null) {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    String endpoint = path.split("\\?", 2)[0];
    HttpResponse<String> response;
    try {
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new RegistryException(
          "MLflow " + endpoint + " did not answer within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      throw new RegistryException(
          credentials.mask(
              "MLflow "
                  + endpoint
                  + " at "
                  + base
                  + " failed: "
                  + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("MLflow " + endpoint + " interrupted");
    }
    JsonNode parsed;
    try {
      parsed = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      parsed = null;
    }
    if (response.statusCode() / 100 == 2 && parsed != null) {
      return parsed;
    }
    String code = parsed == null ? "" : parsed.path("error_code").asText("");
    if (tolerated != null && tolerated.equals(code)) {
      return null;
    }
    String message =
        parsed == null ? abbreviate(response.body()) : parsed.path("message").asText("");
    throw new RegistryException(
        credentials.mask(
            "MLflow "
                + endpoint
                + ": HTTP "
                + response.statusCode()
                + (code.isEmpty() ? "" : " " + code)
                + (message.isEmpty() ? "" : ": " + abbreviate(message))));
  }

  private static String abbreviate(String s) {
    String one = s == null ? "" : s.replaceAll("\\s+", " ").trim();
    return one.length() > 300 ? one.substring(0, 300) + "..." : one;
  }
}
