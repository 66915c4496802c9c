package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every FineTuneJob under deploy/examples passes the trainer's own validator (bin/finetune
 * validate) and the CRD's openAPIV3Schema (ajv, unknown fields rejected).
 */
class ExampleJobsTest {
  static Stream<String> examples() throws IOException {
    Path root = Tools.root();
    try (Stream<Path> files = Files.walk(root.resolve("deploy/examples"))) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .filter(
              p ->
                  Manifests.readYaml(p).stream().anyMatch(d -> "FineTuneJob".equals(d.get("kind"))))
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList()
          .stream();
    }
  }

  @Test
  void theExpectedExamplesExist() throws IOException {
    List<String> all = examples().toList();
    for (String name :
        List.of(
            "deploy/examples/hotdog-job.yaml",
            "deploy/examples/hotdog-freeze-job.yaml",
            "deploy/examples/lineage/source-job.yaml",
            "deploy/examples/lineage/target-job.yaml",
            "deploy/examples/sweep/hotdog-lr-1e-5.yaml",
            "deploy/examples/sweep/hotdog-lr-5e-5.yaml",
            "deploy/examples/sweep/hotdog-lr-2e-4.yaml",
            "deploy/examples/cpu-cluster-job.yaml")) {
      assertTrue(all.contains(name), name);
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void trainerValidatorAccepts(String example) {
    Path root = Tools.root();
    Tools.missing(
        !Files.isRegularFile(root.resolve("trainer/target/finetune-trainer.jar")),
        "trainer/target/finetune-trainer.jar not built; run mvn package (the reactor builds the "
            + "trainer before platform-tests)");
    Tools.Result result =
        Tools.run(root, 120, root.resolve("bin/finetune").toString(), "validate", example);
    result.assertOk("bin/finetune validate " + example);
  }

  /**
   * An example meant for a cluster passes {@code validate --cluster}, judged by deploy/base's URI
   * allowlist, so the trainer pod will not refuse it; the Fashion-MNIST laptop examples (file://
   * data) are refused there, with the reason.
   */
  @ParameterizedTest
  @MethodSource("examples")
  void clusterExamplesPassTheClusterRulesAndLaptopOnesSayWhyNot(String example) {
    Path root = Tools.root();
    Tools.Result result =
        Tools.run(
            root, 120, root.resolve("bin/finetune").toString(), "validate", "--cluster", example);
    if (example.startsWith("deploy/examples/fashion-mnist/")) {
      assertEquals(3, result.exitCode(), result.output());
      assertTrue(
          result.output().contains("scheme 'file' is not allowed in this cluster"),
          result.output());
    } else {
      result.assertOk("bin/finetune validate --cluster " + example);
    }
  }

  @Test
  void crdSchemaAcceptsEveryExampleAndRejectsAnUnknownField() throws IOException {
    Tools.missing(
        !Manifests.crdExists(),
        Manifests.CRD_FILE + " is not in this branch yet (the crds module generates it)");
    List<Map<String, Object>> jobs =
        examples().flatMap(e -> Manifests.readYaml(Tools.root().resolve(e)).stream()).toList();
    Map<String, Object> typo = new LinkedHashMap<>(jobs.get(0));
    Map<String, Object> spec = new LinkedHashMap<>(Manifests.map(typo, "spec"));
    spec.put("trainingg", Map.of("epochs", 1));
    typo.put("spec", spec);
    Map<String, Object> badType = new LinkedHashMap<>(jobs.get(0));
    Map<String, Object> spec2 = new LinkedHashMap<>(Manifests.map(badType, "spec"));
    spec2.put("training", Map.of("epochs", "many"));
    badType.put("spec", spec2);

    List<Map<String, Object>> all = new java.util.ArrayList<>(jobs);
    all.add(typo);
    all.add(badType);
    SchemaCheck.Outcome outcome =
        SchemaCheck.validate("schema-examples", all, List.of(Manifests.crd()));
    List<SchemaCheck.Entry> entries = outcome.entries();
    for (int i = 0; i < jobs.size(); i++) {
      assertEquals(
          "valid", entries.get(i).status(), entries.get(i).name() + ": " + entries.get(i).error());
      assertEquals("crd", entries.get(i).schema());
    }
    assertEquals("invalid", entries.get(jobs.size()).status());
    assertTrue(entries.get(jobs.size()).error().contains("trainingg"));
    assertEquals("invalid", entries.get(jobs.size() + 1).status());
  }

  /** The FineTuneSweep examples against the sweep CRD's schema (SweepExamplesTest: the rules). */
  @Test
  void sweepCrdSchemaAcceptsTheSweepExamplesAndRejectsAnUnknownField() throws IOException {
    Path root = Tools.root();
    List<Map<String, Object>> sweeps;
    try (Stream<Path> files = Files.walk(root.resolve("deploy/examples"))) {
      sweeps =
          files
              .filter(p -> p.toString().endsWith(".yaml"))
              .sorted()
              .flatMap(p -> Manifests.readYaml(p).stream())
              .filter(d -> "FineTuneSweep".equals(d.get("kind")))
              .toList();
    }
    assertTrue(!sweeps.isEmpty(), "no FineTuneSweep example");
    Map<String, Object> typo = new LinkedHashMap<>(sweeps.get(0));
    Map<String, Object> spec = new LinkedHashMap<>(Manifests.map(typo, "spec"));
    spec.put("parallelTrial", 2);
    typo.put("spec", spec);
    List<Map<String, Object>> all = new java.util.ArrayList<>(sweeps);
    all.add(typo);
    List<SchemaCheck.Entry> entries =
        SchemaCheck.validate(
                "schema-sweep-examples",
                all,
                List.of(Manifests.readYaml(root.resolve(Manifests.SWEEP_CRD_FILE)).get(0)))
            .entries();
    for (int i = 0; i < sweeps.size(); i++) {
      assertEquals(
          "valid", entries.get(i).status(), entries.get(i).name() + ": " + entries.get(i).error());
      assertEquals("crd", entries.get(i).schema());
    }
    assertEquals("invalid", entries.get(sweeps.size()).status());
    assertTrue(
        entries.get(sweeps.size()).error().contains("parallelTrial"),
        entries.get(sweeps.size()).error());
  }
}
