package dev.finetune.trainer.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 11, class 9: the manifest is read as strictly as the API server and the CRD schema read it.
 * Each case passed {@code validate} before.
 */
class YamlStrictnessTest {
  static final String HEAD = "apiVersion: finetune.dev/v1alpha1\nkind: FineTuneJob\n";
  static final String BODY =
      """
      metadata: {name: y}
      spec:
        dataset: {train: "file:///d/train", test: "file:///d/test"}
        training:
          epochs: 2
      """;

  static String fails(String yaml) {
    TrainerException e =
        assertThrows(TrainerException.class, () -> JobLoader.parse(yaml, "job.yaml"));
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void theBaselineIsValid() {
    assertEquals(2, JobLoader.parse(HEAD + BODY, "job.yaml").getSpec().training.epochs);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "apiVersion: v1\\nkind: Pod\\n|apiVersion: must be finetune.dev/v1alpha1",
        "apiVersion: finetune.dev/v1alpha1\\nkind: Pod\\n|kind: must be FineTuneJob, got 'Pod'",
        "apiVersion: finetune.dev/v1\\nkind: FineTuneJob\\n|got 'finetune.dev/v1'",
        "kind: FineTuneJob\\n|apiVersion: must be finetune.dev/v1alpha1, got nothing",
        "apiVersion: finetune.dev/v1alpha1\\n|kind: must be FineTuneJob, got nothing"
      })
  void wrongKindOrApiVersionIsRefused(String head, String expected) {
    String m = fails(head.replace("\\n", "\n") + BODY);
    assertTrue(m.contains(expected), m);
  }

  @Test
  void theShippedExamplesStayValid() throws Exception {
    java.nio.file.Path examples = java.nio.file.Path.of("..", "deploy", "examples");
    int n = 0;
    try (var files = java.nio.file.Files.walk(examples)) {
      for (var f :
          (Iterable<java.nio.file.Path>)
              files.filter(p -> p.toString().endsWith(".yaml"))::iterator) {
        String text = java.nio.file.Files.readString(f);
        if (text.contains("kind: FineTuneJob") && !text.contains("\n---")) {
          JobLoader.parse(text, f.toString());
          n++;
        }
      }
    }
    assertTrue(n >= 3, "examples checked: " + n);
  }

  @Test
  void duplicateKeysAreRefused() {
    String m = fails(HEAD + BODY.replace("epochs: 2", "epochs: 2\n    epochs: 3"));
    assertTrue(m.contains("epochs"), m);
    fails(HEAD + "kind: FineTuneJob\n" + BODY);
  }

  @Test
  void anchorsAndAliasesAreRefused() {
    String m = fails(HEAD + BODY.replace("epochs: 2", "epochs: &n 2\n    batchSize: *n"));
    assertTrue(m.contains("anchors and aliases"), m);
    fails(HEAD + "metadata: {name: &x y}\nspec:\n  dataset: {train: *x, test: *x}\n");
  }

  @Test
  void multipleDocumentsAreRefused() {
    String m = fails(HEAD + BODY + "---\n" + HEAD + BODY.replace("name: y", "name: z"));
    assertTrue(m.contains("2 YAML documents"), m);
    // A trailing separator alone is not a second document.
    assertEquals(
        "y", JobLoader.parse("---\n" + HEAD + BODY + "---\n", "job.yaml").getMetadata().getName());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "epochs: 1.9",
        "epochs: 2.0",
        "epochs: \"2\"",
        "learningRate: \"0.1\"",
        "epochs: true"
      })
  void numbersMustHaveTheSchemasType(String field) {
    String m = fails(HEAD + BODY.replace("epochs: 2", field));
    assertTrue(m.contains("spec.training." + field.substring(0, field.indexOf(':'))), m);
  }
}
