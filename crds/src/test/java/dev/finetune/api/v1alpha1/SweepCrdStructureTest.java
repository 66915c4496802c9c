package dev.finetune.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What users and kubectl rely on in the committed FineTuneSweep CRD. */
class SweepCrdStructureTest {
  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;
  static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = Files.newInputStream(CrdUpToDateTest.SWEEP_COMMITTED)) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    version = crd.getSpec().getVersions().get(0);
    spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  @Test
  void namesAndSubresources() {
    assertEquals("finetunesweeps.finetune.dev", crd.getMetadata().getName());
    assertEquals("FineTuneSweep", crd.getSpec().getNames().getKind());
    assertEquals(List.of("fts"), crd.getSpec().getNames().getShortNames());
    assertEquals("Namespaced", crd.getSpec().getScope());
    assertEquals("v1alpha1", version.getName());
    assertNotNull(version.getSubresources().getStatus(), "status subresource");
  }

  /** kubectl get fts prints these after NAME, in this order. */
  @Test
  void printerColumnsInOrder() {
    List<List<String>> columns =
        version.getAdditionalPrinterColumns().stream()
            .map(c -> List.of(c.getName(), c.getJsonPath(), c.getType()))
            .toList();
    assertEquals(
        List.of(
            List.of("Trials", ".status.counts.total", "integer"),
            List.of("Best", ".status.bestTrial.name", "string"),
            List.of("Gain", ".status.bestTrial.accuracyGain", "number"),
            List.of("Phase", ".status.phase", "string"),
            List.of("Age", ".metadata.creationTimestamp", "date")),
        columns);
  }

  /**
   * The spec is immutable except suspend, with the sweep's words (every field but suspend is in the
   * rule); the template keeps no job rule.
   */
  @Test
  void specImmutableExceptSuspendTemplateWithoutJobRule() {
    assertEquals(1, spec.getXKubernetesValidations().size());
    String rule = spec.getXKubernetesValidations().get(0).getRule();
    assertEquals(FineTuneSweepSpec.IMMUTABLE_EXCEPT_SUSPEND, rule);
    for (Field f : FineTuneSweepSpec.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      boolean covered = rule.contains("self." + f.getName() + " == oldSelf." + f.getName());
      assertEquals(
          !f.getName().equals("suspend"),
          covered,
          "spec." + f.getName() + (covered ? " must stay mutable" : " is not in the CEL rule"));
    }
    var templateRules = spec.getProperties().get("template").getXKubernetesValidations();
    assertTrue(
        templateRules == null || templateRules.isEmpty(), "template rules: " + templateRules);
  }

  /** The template is a typed FineTuneJob spec, with the job CRD's resize schema. */
  @Test
  void templateIsTheJobSpec() throws IOException {
    CustomResourceDefinition job;
    try (InputStream in = Files.newInputStream(CrdUpToDateTest.COMMITTED)) {
      job = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    JSONSchemaProps jobSpec =
        job.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    JSONSchemaProps template = spec.getProperties().get("template");
    assertEquals(jobSpec.getProperties(), template.getProperties());
    assertEquals(jobSpec.getRequired(), template.getRequired());
  }

  @Test
  void searchSpaceIsExactlyOne() {
    JSONSchemaProps space =
        spec.getProperties()
            .get("parameters")
            .getItems()
            .getSchema()
            .getProperties()
            .get("searchSpace");
    assertEquals(
        List.of("categorical", "integer", "logUniform", "uniform"),
        space.getProperties().keySet().stream().sorted().toList());
    assertEquals(1, space.getXKubernetesValidations().size());
  }

  @Test
  void conditionsAreAListMapByType() {
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
  }
}
