package dev.finetune.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What users and kubectl rely on in the committed CRD. */
class CrdStructureTest {
  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = Files.newInputStream(CrdUpToDateTest.COMMITTED)) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    version = crd.getSpec().getVersions().get(0);
  }

  @Test
  void namesAndSubresources() {
    assertEquals("finetunejobs.finetune.dev", crd.getMetadata().getName());
    assertEquals(List.of("ftj"), crd.getSpec().getNames().getShortNames());
    assertEquals("v1alpha1", version.getName());
    assertNotNull(version.getSubresources().getStatus(), "status subresource");
  }

  /** kubectl get ftj prints the columns in this order, after NAME. */
  @Test
  void printerColumnsInOrder() {
    List<List<String>> columns =
        version.getAdditionalPrinterColumns().stream()
            .map(c -> List.of(c.getName(), c.getJsonPath(), c.getType()))
            .toList();
    assertEquals(
        List.of(
            List.of("Phase", ".status.phase", "string"),
            List.of("Reason", ".status.conditions[?(@.type==\"Ready\")].reason", "string"),
            List.of("Epoch", ".status.progress.epoch", "integer"),
            List.of("Progress", ".status.progress.percentage", "integer"),
            List.of("Test-Acc", ".status.metrics.testAccuracy", "string"),
            List.of("Baseline-Acc", ".status.baseline.testAccuracy", "string"),
            List.of("Restarts", ".status.restarts", "integer"),
            List.of("Age", ".metadata.creationTimestamp", "date")),
        columns);
  }

  /** status.conditions has the schema of metav1.Condition, as kubebuilder generates it. */
  @Test
  void conditionsAreMetav1Conditions() {
    JSONSchemaProps conditions =
        version
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("status")
            .getProperties()
            .get("conditions");
    assertEquals("map", conditions.getXKubernetesListType());
    assertEquals(List.of("type"), conditions.getXKubernetesListMapKeys());
    JSONSchemaProps item = conditions.getItems().getSchema();
    assertEquals(
        List.of("lastTransitionTime", "message", "reason", "status", "type"), item.getRequired());
    var p = item.getProperties();
    assertEquals(
        List.of("True", "False", "Unknown"),
        p.get("status").getEnum().stream().map(n -> n.asText()).toList());
    assertEquals("date-time", p.get("lastTransitionTime").getFormat());
    assertEquals("int64", p.get("observedGeneration").getFormat());
    assertEquals(1024L, p.get("reason").getMaxLength());
    assertTrue("ExitCode5".matches(p.get("reason").getPattern()));
    assertTrue(!"not a reason".matches(p.get("reason").getPattern()));
    assertTrue("Ready".matches(p.get("type").getPattern()));
    assertEquals(32768L, p.get("message").getMaxLength());
  }

  /** kubectl explain finetunejob, finetunejob.spec and finetunejob.status say what they are. */
  @Test
  void kindSpecAndStatusHaveDescriptions() {
    JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
    assertTrue(root.getDescription().startsWith("A FineTuneJob fine-tunes"), root.getDescription());
    assertNotNull(root.getProperties().get("spec").getDescription());
    assertTrue(root.getProperties().get("status").getDescription().contains("Ready"));
  }

  @Test
  void everyOwnFieldIsDocumented() {
    List<String> missing = new ArrayList<>();
    JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
    undocumented(root.getProperties().get("spec"), "spec", missing);
    undocumented(root.getProperties().get("status"), "status", missing);
    assertEquals(List.of(), missing, "add @JsonPropertyDescription to these fields");
  }

  /** Our types' fields; Kubernetes' own types (affinity, tolerations, conditions) are skipped. */
  private static void undocumented(JSONSchemaProps node, String path, List<String> missing) {
    if (node.getProperties() == null) {
      if (node.getItems() != null && node.getItems().getSchema() != null) {
        undocumented(node.getItems().getSchema(), path + "[]", missing);
      }
      return;
    }
    for (var e : node.getProperties().entrySet()) {
      String p = path + "." + e.getKey();
      if (e.getValue().getDescription() == null) {
        missing.add(p);
      }
      if (!Set.of("spec.affinity", "spec.tolerations", "status.conditions").contains(p)) {
        undocumented(e.getValue(), p, missing);
      }
    }
  }

  @Test
  void boundsEnumsAndRequired() {
    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertTrue(spec.getRequired().containsAll(List.of("model", "dataset")));
    assertEquals(0.0, spec.getProperties().get("backoffLimit").getMinimum());
    assertEquals(100.0, spec.getProperties().get("backoffLimit").getMaximum());
    assertEquals(2, spec.getProperties().get("artifactPolicy").getEnum().size());
    assertEquals(
        "^(file|s3)://.+",
        spec.getProperties().get("checkpoints").getProperties().get("uri").getPattern());
  }

  /** resize is n or [height, width]: no type, any value stored, the validator checks it. */
  @Test
  void resizeTakesEitherForm() {
    JSONSchemaProps transforms =
        version
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec")
            .getProperties()
            .get("transforms");
    for (String chain : List.of("train", "test")) {
      JSONSchemaProps resize = transforms.getProperties().get(chain).getProperties().get("resize");
      assertEquals(null, resize.getType(), chain);
      assertEquals(Boolean.TRUE, resize.getXKubernetesPreserveUnknownFields(), chain);
      assertTrue(resize.getDescription().contains("[height, width]"), chain);
    }
  }

  @Test
  void specIsImmutableExceptSuspend() throws Exception {
    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertEquals(1, spec.getXKubernetesValidations().size());
    String rule = spec.getXKubernetesValidations().get(0).getRule();
    assertEquals(FineTuneJobSpec.IMMUTABLE_EXCEPT_SUSPEND, rule);
    for (Field f : FineTuneJobSpec.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      boolean covered = rule.contains("self." + f.getName() + " == oldSelf." + f.getName());
      assertEquals(
          !f.getName().equals("suspend"),
          covered,
          "spec." + f.getName() + (covered ? " must stay mutable" : " is not in the CEL rule"));
    }
  }
}
