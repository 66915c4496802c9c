package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.testsupport.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD in a real kube-apiserver 1.37.2: it is accepted (including the API server's
 * cost estimate of its CEL rules), and the server, not a test library, enforces its schema,
 * defaults, the immutable-spec CEL rule and the status subresource; kubectl shows its printer
 * columns and field docs. No operator runs here: this is the API alone.
 */
class ClusterCrdIT {
  static final String NS = "crd-checks";
  static final ObjectMapper JSON = new ObjectMapper();
  static RealCluster cluster;

  @BeforeAll
  static void install() {
    cluster = OperatorInstall.withBase(NS);
  }

  static String job(String name, String training) {
    return ApiJobs.yaml(name, NS, training);
  }

  @Test
  void theServerIsKubernetes1_37_2() throws Exception {
    JsonNode v = JSON.readTree(cluster.kubectl("version", "-o", "json").ok().stdout());
    assertEquals("v1.37.2", v.at("/serverVersion/gitVersion").asText(), v.toString());
    assertEquals("v1.37.2", v.at("/clientVersion/gitVersion").asText(), v.toString());
  }

  @Test
  void explainShowsTheFieldDocs() {
    String out = cluster.kubectl("explain", "finetunejob.spec.training.epochs").ok().stdout();
    assertTrue(out.contains("Passes over the training split."), out);
    String spec = cluster.kubectl("explain", "finetunejob.spec").ok().stdout();
    for (String field : new String[] {"dataset", "model", "training", "checkpoints", "suspend"}) {
      assertTrue(spec.contains(field), field + " in\n" + spec);
    }
  }

  @Test
  void defaultsAreFilledInByTheServer() throws Exception {
    cluster.kubectlWithInput(job("defaults", "epochs: 2"), "apply", "-f", "-").ok();
    JsonNode spec =
        JSON.readTree(
                cluster
                    .kubectl("get", "finetunejob", "defaults", "-n", NS, "-o", "json")
                    .ok()
                    .stdout())
            .get("spec");
    assertEquals("resnet18", spec.at("/model/architecture").asText(), spec.toString());
  }

  @Test
  void anUnknownFieldIsRefusedByNameAtApply() {
    Command.Result r =
        cluster.kubectlWithInput(job("typo", "epochs: 2\nlearningRat: 0.1"), "apply", "-f", "-");
    assertNotEquals(0, r.exitCode());
    assertTrue(r.stderr().contains("unknown field \"spec.training.learningRat\""), r.stderr());
  }

  @Test
  void aValueOutsideTheSchemaIsRefusedWithTheField() {
    Command.Result r = cluster.kubectlWithInput(job("zero", "epochs: 0"), "apply", "-f", "-");
    assertNotEquals(0, r.exitCode());
    assertTrue(r.stderr().contains("spec.training.epochs"), r.stderr());
    assertTrue(r.stderr().contains("should be greater than or equal to 1"), r.stderr());
  }

  @Test
  void theSpecIsImmutableExceptSuspendEnforcedByTheServersCel() {
    cluster.kubectlWithInput(job("frozen", "epochs: 2"), "apply", "-f", "-").ok();
    Command.Result edit = cluster.kubectlWithInput(job("frozen", "epochs: 3"), "apply", "-f", "-");
    assertNotEquals(0, edit.exitCode(), edit.stdout());
    assertTrue(edit.stderr().contains("spec is immutable except spec.suspend"), edit.stderr());
    cluster
        .kubectl(
            "patch",
            "finetunejob",
            "frozen",
            "-n",
            NS,
            "--type=merge",
            "-p",
            "{\"spec\":{\"suspend\":true}}")
        .ok();
  }

  @Test
  void statusIsASubresource() throws Exception {
    cluster.kubectlWithInput(job("status", "epochs: 2"), "apply", "-f", "-").ok();
    String phase = "{\"status\":{\"phase\":\"Succeeded\"}}";
    cluster.kubectl("patch", "finetunejob", "status", "-n", NS, "--type=merge", "-p", phase).ok();
    JsonNode obj =
        JSON.readTree(
            cluster.kubectl("get", "finetunejob", "status", "-n", NS, "-o", "json").ok().stdout());
    assertTrue(
        obj.at("/status/phase").isMissingNode(),
        "a write to the main resource" + " ignores status: " + obj.get("status"));
    cluster
        .kubectl(
            "patch",
            "finetunejob",
            "status",
            "-n",
            NS,
            "--subresource=status",
            "--type=merge",
            "-p",
            phase)
        .ok();
    obj =
        JSON.readTree(
            cluster.kubectl("get", "finetunejob", "status", "-n", NS, "-o", "json").ok().stdout());
    assertEquals("Succeeded", obj.at("/status/phase").asText());
    String table = cluster.kubectl("get", "finetunejob", "status", "-n", NS).ok().stdout();
    String header = table.lines().findFirst().orElseThrow();
    for (String column : new String[] {"NAME", "PHASE", "AGE"}) {
      assertTrue(header.contains(column), header);
    }
    assertTrue(table.contains("Succeeded"), table);
  }
}
