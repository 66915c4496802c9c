package dev.finetune.operator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.MlflowRegistrySpec;
import dev.finetune.api.v1alpha1.spec.RegistrySpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Conditions;
import dev.finetune.contract.FinalResult;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MlflowServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator registers a succeeded job's final model in a real {@code mlflow server} (from PyPI,
 * started here with a sqlite backend) through the reconciler's own code path, against fabric8's
 * mock API server with {@link InstantKubelet}. Both tests use one registered model, "cats", so the
 * second job's version is 2.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MlflowRegistryIT {
  static final String NS = "registry";
  static final String TOKEN = "s3cr3t-mlflow-token";
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final ObjectMapper JSON = new ObjectMapper();
  static final FinalResult RESULT =
      new FinalResult(
          FinalResult.FORMAT,
          new FinalResult.Run(2, 2, 8L, 0.25, 0.875, 0.9166666666666666, 40.5),
          new FinalResult.Run(2, 2, 8L, 1.05, 0.5, 0.5, 41.0),
          0.4166666666666666);
  static MlflowServer mlflow;

  @Inject KubernetesClient client;

  @BeforeAll
  static void startMlflow() throws Exception {
    mlflow = MlflowServer.started();
  }

  @AfterAll
  static void stopMlflow() throws Exception {
    if (mlflow != null) {
      mlflow.close();
    }
  }

  /** A job registering in "cats" with a token Secret; no storage credentials (no S3 here). */
  FineTuneJob createSucceeded(String name) {
    if (client.secrets().inNamespace(NS).withName("mlflow-creds").get() == null) {
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("mlflow-creds")
                  .withNamespace(NS)
                  .endMetadata()
                  .withStringData(Map.of("MLFLOW_TRACKING_TOKEN", TOKEN))
                  .build())
          .create();
    }
    FineTuneJob f =
        client
            .resource(
                Fixtures.applied(name, NS)
                    .spec(
                        s -> {
                          s.checkpoints.credentialsSecret = null;
                          s.registry = new RegistrySpec();
                          s.registry.mlflow = new MlflowRegistrySpec();
                          s.registry.mlflow.uri = mlflow.uri();
                          s.registry.mlflow.modelName = "cats";
                          s.registry.mlflow.credentialsSecret = "mlflow-creds";
                        })
                    .obj())
            .create();
    InstantKubelet kubelet = InstantKubelet.manual(client, NS);
    await().atMost(TIMEOUT).until(() -> kubelet.job(name + "-attempt-1") != null);
    kubelet.run(name + "-attempt-1");
    kubelet.exit(name + "-attempt-1", 0, RESULT.toJson());
    return f;
  }

  FineTuneJobStatus awaitStatus(String name, Predicate<FineTuneJobStatus> ok) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              FineTuneJob f =
                  client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get();
              return f != null && f.getStatus() != null && ok.test(f.getStatus());
            });
    return client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get().getStatus();
  }

  static Condition registered(FineTuneJobStatus s) {
    return s.conditions.stream()
        .filter(c -> Conditions.REGISTERED.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  /** Every version of the registered model "cats", straight from MLflow's REST API. */
  static JsonNode versions() throws Exception {
    String q = URLEncoder.encode("name = 'cats'", StandardCharsets.UTF_8);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            mlflow.uri() + "/api/2.0/mlflow/model-versions/search?filter=" + q))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).path("model_versions");
  }

  static Map<String, String> tags(JsonNode version) {
    Map<String, String> tags = new HashMap<>();
    version.path("tags").forEach(t -> tags.put(t.path("key").asText(), t.path("value").asText()));
    return tags;
  }

  String events(String name) {
    StringBuilder all = new StringBuilder();
    client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .forEach(e -> all.append(e.getReason()).append(": ").append(e.getMessage()).append('\n'));
    return all.toString();
  }

  void touchPod(String pod, String value) {
    client
        .pods()
        .inNamespace(NS)
        .withName(pod)
        .edit(
            p -> {
              p.getMetadata().getAnnotations().put("touch", value);
              return p;
            });
  }

  @Test
  @Order(1)
  void aSucceededJobRegistersVersion1OnceWithItsSourceAndTags() throws Exception {
    FineTuneJob f = createSucceeded("one");
    FineTuneJobStatus s = awaitStatus("one", st -> st.registeredModel != null);
    assertEquals("Succeeded", s.phase);
    assertEquals("mlflow", s.registeredModel.registry);
    assertEquals("cats", s.registeredModel.name);
    assertEquals("1", s.registeredModel.version);
    assertEquals("s3://ckpt/one/model/model.safetensors", s.registeredModel.uri);
    assertEquals("True", registered(s).getStatus());
    assertEquals(Conditions.VERSION_REGISTERED, registered(s).getReason());

    JsonNode versions = versions();
    assertEquals(1, versions.size(), versions.toString());
    JsonNode v = versions.get(0);
    assertEquals("s3://ckpt/one/model/model.safetensors", v.path("source").asText());
    Map<String, String> tags = tags(v);
    assertEquals(f.getMetadata().getUid(), tags.get("finetune.dev/job-uid"));
    assertEquals(NS, tags.get("finetune.dev/namespace"));
    assertEquals("one", tags.get("finetune.dev/job"));
    assertEquals("0.9166666666666666", tags.get("finetune.dev/test-accuracy"));
    assertEquals("0.5", tags.get("finetune.dev/baseline-test-accuracy"));
    assertEquals("0.4166666666666666", tags.get("finetune.dev/accuracy-gain"));
    assertEquals("trainer:it", tags.get("finetune.dev/trainer-image"));
    assertEquals("s3://ckpt/one/model/README.md", tags.get("finetune.dev/model-card"));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                events("one")
                    .contains("ModelRegistered: MLflow" + " registered model cats version 1"));

    // A retried reconcile that lost the status (an operator restart before the status write, a
    // restored backup): the version tagged with this uid is found, no second one is created.
    client
        .resources(FineTuneJob.class)
        .inNamespace(NS)
        .withName("one")
        .editStatus(
            x -> {
              x.getStatus().registeredModel = null;
              x.getStatus().conditions.removeIf(c -> Conditions.REGISTERED.equals(c.getType()));
              return x;
            });
    // A status write does not trigger a reconcile (generation-aware); a pod event does, as the
    // first reconcile of every job after an operator restart would.
    touchPod("one-attempt-1-pod", "1");
    s = awaitStatus("one", st -> st.registeredModel != null);
    assertEquals("1", s.registeredModel.version);
    assertEquals(1, versions().size(), versions().toString());
    // and a reconcile of a registered job never calls the registry again
    touchPod("one-attempt-1-pod", "2");
    Thread.sleep(1500);
    assertEquals(1, versions().size(), versions().toString());
  }

  @Test
  @Order(2)
  void aRegistryThatIsDownLeavesTheJobSucceededAndRegistersOnceItIsBack() throws Exception {
    mlflow.stop();
    createSucceeded("two");
    FineTuneJobStatus s = awaitStatus("two", st -> registered(st) != null);
    assertEquals("Succeeded", s.phase, "registration never changes the phase");
    assertNull(s.registeredModel);
    Condition c = registered(s);
    assertEquals("False", c.getStatus());
    assertEquals(Conditions.REGISTRY_UNAVAILABLE, c.getReason());
    assertTrue(
        c.getMessage().startsWith("MLflow model-versions/search at " + mlflow.uri()),
        c.getMessage());
    await().atMost(TIMEOUT).until(() -> events("two").contains("RegistryUnavailable"));
    String events = events("two");
    assertFalse(events.contains(TOKEN) || c.getMessage().contains(TOKEN), events);

    mlflow.start();
    s = awaitStatus("two", st -> st.registeredModel != null);
    assertEquals("Succeeded", s.phase);
    assertEquals("2", s.registeredModel.version, "job one has version 1 of cats");
    assertEquals("True", registered(s).getStatus());
    JsonNode versions = versions();
    assertEquals(2, versions.size(), versions.toString());
  }
}
