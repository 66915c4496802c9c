package dev.finetune.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/SPEC.md (and docs/SWEEP-SPEC.md for FineTuneSweeps) is the spec reference generated from the
 * committed CRD, and the README's spec table names every top-level spec field: neither can drift
 * from the API types.
 */
class SpecReferenceTest {
  static final Path CRD = CrdUpToDateTest.COMMITTED;
  static final Path REFERENCE = Path.of("../docs/SPEC.md");
  static final Path SWEEP_REFERENCE = Path.of("../docs/SWEEP-SPEC.md");
  static final Path README = Path.of("../README.md");

  @Test
  void docsSpecMdIsGeneratedFromTheCrd() throws IOException {
    String generated = SpecReference.render(CRD);
    if (Boolean.getBoolean("reference.update")) {
      Files.writeString(REFERENCE, generated);
    }
    assertEquals(
        generated,
        Files.exists(REFERENCE) ? Files.readString(REFERENCE) : "",
        "docs/SPEC.md is out of date with the CRD; refresh it with: mvn -B -pl crds test"
            + " -Dtest=SpecReferenceTest -Dreference.update=true");
  }

  @Test
  void docsSweepSpecMdIsGeneratedFromTheSweepCrd() throws IOException {
    String generated = SpecReference.renderSweep(CrdUpToDateTest.SWEEP_COMMITTED);
    if (Boolean.getBoolean("reference.update")) {
      Files.writeString(SWEEP_REFERENCE, generated);
    }
    assertEquals(
        generated,
        Files.exists(SWEEP_REFERENCE) ? Files.readString(SWEEP_REFERENCE) : "",
        "docs/SWEEP-SPEC.md is out of date with the sweep CRD; refresh it with: mvn -B"
            + " -pl crds test -Dtest=SpecReferenceTest -Dreference.update=true");
  }

  @Test
  void theReadmeSpecTableNamesEveryTopLevelField() throws IOException {
    CustomResourceDefinition crd =
        new KubernetesSerialization()
            .unmarshal(Files.readString(CRD), CustomResourceDefinition.class);
    var spec =
        crd.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    String readme = Files.readString(README);
    int start = readme.indexOf("## The FineTuneJob spec");
    int end = readme.indexOf("\n## ", start + 1);
    List<String> rows =
        readme
            .substring(start, end)
            .lines()
            .filter(l -> l.startsWith("| `"))
            .map(l -> l.substring(0, l.indexOf(" |", 2)))
            .toList();
    List<String> missing =
        spec.getProperties().keySet().stream()
            .filter(
                f ->
                    rows.stream()
                        .noneMatch(r -> r.contains("`" + f + "`") || r.contains("`" + f + ".")))
            .toList();
    assertTrue(
        missing.isEmpty(),
        "README.md, \"The FineTuneJob spec\", has no row for "
            + missing
            + " (docs/SPEC.md has the full reference)");
  }
}
