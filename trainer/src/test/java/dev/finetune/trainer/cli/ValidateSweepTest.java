package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune validate SWEEP.yaml}: the admission webhook's rules on this machine, and the
 * planned trials listed with the names the operator gives them.
 */
class ValidateSweepTest {
  static final Path EXAMPLE = Path.of("../deploy/examples/hotdog-sweep.yaml");

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder err = new StringBuilder();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = ValidateSchemesTest.run(err, args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(stdout);
    }
  }

  @Test
  void theExampleIsValidAndItsTrialsAreListed() {
    Run r = run("validate", "--cluster", EXAMPLE.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .contains(
                "valid FineTuneSweep 'hotdog-sweep': 9 trials and the baseline"
                    + " hotdog-sweep-baseline"),
        r.out());
    assertEquals(
        9,
        r.out().lines().filter(l -> l.matches("  hotdog-sweep-[0-9a-f]{10}  .*")).count(),
        r.out());
    assertTrue(
        r.out().contains("  training.freeze=, training.headLearningRateMultiplier=1\n"), r.out());
    assertFalse(r.out().contains("note:"), "its template holds out a validation split: " + r.out());
  }

  /** Without dataset.validation the objective cannot be measured: valid, with a note why. */
  @Test
  void aTemplateWithoutValidationIsNoted() throws Exception {
    Path gated =
        Files.writeString(
            dir.resolve("gated.yaml"),
            Files.readString(EXAMPLE).replace("validation: {fraction: 0.2}", ""));
    Run r = run("validate", "--cluster", gated.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .contains(
                "note: spec.template.dataset.validation: validationAccuracy is"
                    + " measured on a validation split held out from the training data; set fraction"),
        r.out());
  }

  /** finetune sweep trains nothing for a template without a validation split: one line, 3. */
  @Test
  void sweepRefusesATemplateWithoutValidation() throws Exception {
    Path gated =
        Files.writeString(
            dir.resolve("gated-sweep.yaml"),
            Files.readString(EXAMPLE).replace("validation: {fraction: 0.2}", ""));
    Run r = run("sweep", gated.toString(), "-o", dir.resolve("out").toString());
    assertEquals(3, r.code(), r.out());
    assertTrue(
        r.err()
            .contains(
                "spec.template.dataset.validation: validationAccuracy is"
                    + " measured on a validation split"),
        r.err());
    assertFalse(Files.exists(dir.resolve("out")), "nothing was trained");
  }

  @Test
  void aHostileSweepGetsOneLineAndTheInvalidSpecExitCode() throws Exception {
    Path bad =
        Files.writeString(
            dir.resolve("bad.yaml"),
            Files.readString(EXAMPLE)
                .replace("- name: training.freeze", "- name: training.frozen"));
    Run r = run("validate", bad.toString());
    assertEquals(3, r.code(), r.out());
    assertTrue(
        r.err()
            .contains(
                "spec.parameters[0].name: 'training.frozen' is not a sweepable"
                    + " FineTuneJob spec field; allowed: "),
        r.err());
  }

  @Test
  void anUnknownFieldIsNamed() throws Exception {
    Path typo =
        Files.writeString(
            dir.resolve("typo.yaml"),
            Files.readString(EXAMPLE).replace("parallelTrials: 2", "parallelTrial: 2"));
    Run r = run("validate", typo.toString());
    assertEquals(3, r.code(), r.out());
    assertTrue(r.err().contains("spec.parallelTrial: unknown field; allowed: algorithm,"), r.err());
  }

  /** A quoted kind is still a sweep (the kind is read from the parsed document). */
  @Test
  void aQuotedKindIsASweep() throws Exception {
    Path quoted =
        Files.writeString(
            dir.resolve("quoted.yaml"),
            Files.readString(EXAMPLE).replace("kind: FineTuneSweep", "kind: \"FineTuneSweep\""));
    Run r = run("validate", quoted.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("valid FineTuneSweep 'hotdog-sweep'"), r.out());
  }
}
