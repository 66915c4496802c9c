package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.testsupport.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What Argo CD and Flux do with the examples, against the real API server: server-side apply of
 * each example twice, then {@code kubectl diff --server-side} finds nothing to change (a GitOps
 * tool would otherwise show the job OutOfSync forever), and the object's generation is still 1.
 * Editing an immutable field in Git is refused with the CRD's message.
 */
class ClusterGitOpsIT {
  static final String NS = "gitops";
  static final ObjectMapper JSON = new ObjectMapper();
  static RealCluster cluster;

  @BeforeAll
  static void install() {
    cluster = OperatorInstall.withBase(NS);
  }

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.walk(RealCluster.ROOT.resolve("deploy/examples"))) {
      List<Path> list = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      return list.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void serverSideApplyTwiceChangesNothingTheSecondTime(Path example) throws Exception {
    String file = example.toString();
    Command.Result first =
        cluster
            .kubectl("apply", "--server-side", "--field-manager=argocd", "-n", NS, "-f", file)
            .ok();
    assertTrue(first.stdout().contains("serverside-applied"), first.stdout());
    JsonNode before =
        JSON.readTree(cluster.kubectl("get", "-n", NS, "-f", file, "-o", "json").ok().stdout());
    cluster.kubectl("apply", "--server-side", "--field-manager=argocd", "-n", NS, "-f", file).ok();
    JsonNode after =
        JSON.readTree(cluster.kubectl("get", "-n", NS, "-f", file, "-o", "json").ok().stdout());
    assertEquals(
        before.at("/metadata/resourceVersion"),
        after.at("/metadata/resourceVersion"),
        "the second apply changed the object");
    assertEquals(1, after.at("/metadata/generation").asInt());
    Command.Result diff =
        cluster.kubectl("diff", "--server-side", "--field-manager=argocd", "-n", NS, "-f", file);
    assertEquals(
        0, diff.exitCode(), "kubectl diff found a change:\n" + diff.stdout() + diff.stderr());
  }

  @Test
  void anEditOfAnImmutableFieldInGitIsRefusedWithAClearMessage() throws Exception {
    Path example = RealCluster.ROOT.resolve("deploy/examples/sweep/hotdog-lr-5e-5.yaml");
    cluster
        .kubectl(
            "apply", "--server-side", "--field-manager=flux", "-n", NS, "-f", example.toString())
        .ok();
    String edited =
        Files.readString(example).replace("learningRate: 5.0e-5", "learningRate: 7.0e-5");
    assertNotEquals(Files.readString(example), edited, "the example sets learningRate 5.0e-5");
    Command.Result r =
        cluster.kubectlWithInput(
            edited, "apply", "--server-side", "--field-manager=flux", "-n", NS, "-f", "-");
    assertNotEquals(0, r.exitCode(), r.stdout());
    assertTrue(
        r.stderr()
            .contains(
                "spec is immutable except spec.suspend: create a new FineTuneJob to change it"),
        r.stderr());
  }
}
