package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.testsupport.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/serving applied to a real kube-apiserver 1.37.2 that has KServe v0.17.0's own CRDs (from
 * the kserve Go module, as platform-tests' KServeManifestsTest fetches them): the
 * ClusterServingRuntime and the example InferenceService are accepted as they are, and the server
 * refuses a misspelled field. No KServe controller runs here: this is the API alone.
 */
class ClusterKServeIT {
  static final String MODULE = "github.com/kserve/kserve@v0.17.0";
  static final String NS = "team-a";
  static final ObjectMapper JSON = new ObjectMapper();
  static RealCluster cluster;

  @BeforeAll
  static void kserveCrds() throws Exception {
    cluster = RealCluster.shared();
    Command.Result download =
        Command.run(
                List.of("go", "mod", "download", "-json", MODULE),
                Map.of(),
                null,
                Duration.ofSeconds(300))
            .ok();
    String out = download.stdout();
    Path crds =
        Path.of(JSON.readTree(out.substring(out.indexOf('{'))).get("Dir").asText())
            .resolve("config/crd/full");
    for (String kind : List.of("clusterservingruntimes", "inferenceservices")) {
      Path crd = crds.resolve("serving.kserve.io_" + kind + ".yaml");
      assertTrue(Files.isRegularFile(crd), crd.toString());
      // Server-side: the InferenceService CRD is larger than client-side apply's annotation.
      cluster.kubectl("apply", "--server-side", "-f", crd.toString()).ok();
      // Polled, not `kubectl wait`: right after the apply the CRD may have no status.conditions
      // yet, and kubectl 1.37's wait then fails at once instead of waiting.
      OperatorInstall.awaitCrd(cluster.admin(), kind + ".serving.kserve.io");
    }
    cluster
        .kubectlWithInput(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + NS + "}\n", "apply", "-f", "-")
        .ok();
  }

  @Test
  void theRuntimeAndTheExampleInferenceServiceAreAccepted() throws Exception {
    cluster.kubectl("apply", "-k", RealCluster.ROOT.resolve("deploy/serving").toString()).ok();
    JsonNode runtime =
        JSON.readTree(
            cluster
                .kubectl("get", "clusterservingruntime", "finetune-resnet", "-o", "json")
                .ok()
                .stdout());
    assertEquals("serve", runtime.at("/spec/containers/0/args/0").asText(), runtime.toString());
    assertEquals("finetune-safetensors", runtime.at("/spec/supportedModelFormats/0/name").asText());

    cluster
        .kubectl(
            "apply",
            "-f",
            RealCluster.ROOT
                .resolve("deploy/serving/example/hotdog-inferenceservice.yaml")
                .toString())
        .ok();
    JsonNode isvc =
        JSON.readTree(
            cluster
                .kubectl("get", "inferenceservice", "hotdog", "-n", NS, "-o", "json")
                .ok()
                .stdout());
    assertEquals(
        "s3://finetune/hotdog/model", isvc.at("/spec/predictor/model/storageUri").asText());
    assertEquals("finetune-resnet", isvc.at("/spec/predictor/model/runtime").asText());
  }

  @Test
  void aMisspelledFieldIsRefusedByTheServer() throws Exception {
    String broken =
        Files.readString(
                RealCluster.ROOT.resolve("deploy/serving/example/hotdog-inferenceservice.yaml"))
            .replace("name: hotdog", "name: broken")
            .replace("storageUri:", "storageURI:");
    Command.Result r = cluster.kubectlWithInput(broken, "apply", "-f", "-");
    assertNotEquals(0, r.exitCode(), r.stdout());
    assertTrue(r.stderr().contains("storageURI"), r.stderr());
  }
}
