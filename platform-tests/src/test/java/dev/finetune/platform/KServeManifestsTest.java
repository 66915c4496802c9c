package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/serving's ClusterServingRuntime (rendered with kubectl kustomize) and its example
 * InferenceService are valid against KServe v0.17.0's own CRD schemas (ajv, unknown fields
 * rejected), and they agree with each other and with the FineTuneJob they serve. The CRDs come from
 * the kserve Go module (config/crd/full), fetched by {@code go mod download} into the Go module
 * cache and checked against the checksum database; the module's hash is pinned here.
 */
class KServeManifestsTest {
  static final String MODULE = "github.com/kserve/kserve@v0.17.0";

  /** go.sum's h1: hash of the module, as sum.golang.org records it. */
  static final String MODULE_SUM = "h1:IaynaBFzVQz1Xyrw5n3ncqzd5Y7L1RkO+YWvVwwtMQE=";

  static final String EXAMPLE = "deploy/serving/example/hotdog-inferenceservice.yaml";

  static List<Map<String, Object>> crds;

  @BeforeAll
  static void kserveCrds() throws Exception {
    Path go = Tools.require("go", "bin/setup installs Go (the test control plane needs it too)");
    Tools.Result r =
        Tools.run(
            SchemaCheck.workDir("kserve"), 300, go.toString(), "mod", "download", "-json", MODULE);
    r.assertOk("go mod download " + MODULE);
    JsonNode info = Manifests.JSON.readTree(r.output().substring(r.output().indexOf('{')));
    assertEquals(MODULE_SUM, info.get("Sum").asText(), "the module's content changed");
    Path dir = Path.of(info.get("Dir").asText()).resolve("config/crd/full");
    crds = new ArrayList<>();
    for (String kind : List.of("clusterservingruntimes", "inferenceservices")) {
      crds.addAll(Manifests.readYaml(dir.resolve("serving.kserve.io_" + kind + ".yaml")));
    }
  }

  static List<Map<String, Object>> objects() {
    List<Map<String, Object>> objects = new ArrayList<>(Manifests.render("deploy/serving"));
    objects.addAll(Manifests.readYaml(Tools.root().resolve(EXAMPLE)));
    return objects;
  }

  @Test
  void runtimeAndExampleMatchKServesSchemas() {
    List<Map<String, Object>> objects = objects();
    SchemaCheck.Outcome outcome = SchemaCheck.validate("schema-kserve", objects, crds);
    assertEquals(
        List.of("ClusterServingRuntime", "InferenceService"),
        outcome.entries().stream().map(SchemaCheck.Entry::kind).toList());
    for (SchemaCheck.Entry e : outcome.entries()) {
      assertEquals("valid", e.status(), e.kind() + ": " + e.error());
      assertEquals("crd", e.schema(), e.kind() + " is checked against KServe's CRD");
    }
  }

  /** The check bites: a misspelled field and a wrong type are refused. */
  @Test
  void brokenCopiesAreRejected() throws Exception {
    Map<String, Object> isvc = Manifests.readYaml(Tools.root().resolve(EXAMPLE)).get(0);
    Map<String, Object> model = Manifests.map(Manifests.map(isvc, "spec"), "predictor");
    Map<String, Object> m = Manifests.map(model, "model");
    m.put("storageURI", m.remove("storageUri"));
    model.put("minReplicas", "one");
    SchemaCheck.Outcome outcome =
        SchemaCheck.validate("schema-kserve-negative", List.of(isvc), crds);
    assertEquals("invalid", outcome.entries().get(0).status());
    assertTrue(
        outcome.entries().get(0).error().contains("storageURI"), outcome.entries().get(0).error());
    assertTrue(
        outcome.entries().get(0).error().contains("minReplicas"), outcome.entries().get(0).error());
  }

  @Test
  void exampleServesTheHotdogJobsFinalModelWithThisRuntime() throws Exception {
    Map<String, Object> runtime = Manifests.render("deploy/serving").get(0);
    Map<String, Object> isvc = Manifests.readYaml(Tools.root().resolve(EXAMPLE)).get(0);
    JsonNode rt = Manifests.JSON.valueToTree(runtime);
    JsonNode is = Manifests.JSON.valueToTree(isvc);
    assertEquals(rt.at("/metadata/name").asText(), is.at("/spec/predictor/model/runtime").asText());
    assertEquals(
        rt.at("/spec/supportedModelFormats/0/name").asText(),
        is.at("/spec/predictor/model/modelFormat/name").asText());
    assertEquals("v2", is.at("/spec/predictor/model/protocolVersion").asText());
    JsonNode container = rt.at("/spec/containers/0");
    List<String> args = new ArrayList<>();
    container.get("args").forEach(a -> args.add(a.asText()));
    assertEquals("serve", args.get(0));
    assertEquals(
        "{{.Name}}=/mnt/models",
        args.get(args.indexOf("--from-job") + 1),
        "served under the InferenceService's name, from where KServe puts the model");
    String port = args.get(args.indexOf("--port") + 1);
    assertEquals(port, container.at("/ports/0/containerPort").asText());
    assertEquals(port, rt.at("/spec/annotations/prometheus.kserve.io~1port").asText());
    assertEquals("/v2/health/ready", container.at("/readinessProbe/httpGet/path").asText());
    // The FineTuneJob it serves: same name, and storageUri is its final model's folder.
    JsonNode job =
        Manifests.JSON.valueToTree(
            Manifests.readYaml(Tools.root().resolve("deploy/examples/hotdog-job.yaml")).get(0));
    assertEquals(job.at("/metadata/name").asText(), is.at("/metadata/name").asText());
    assertEquals(
        job.at("/spec/checkpoints/uri").asText() + "/model",
        is.at("/spec/predictor/model/storageUri").asText());
    assertTrue(Files.isRegularFile(Tools.root().resolve("deploy/serving/kustomization.yaml")));
  }
}
