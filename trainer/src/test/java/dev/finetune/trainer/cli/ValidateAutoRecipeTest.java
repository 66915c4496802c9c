package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.trainer.testing.JobYaml;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code finetune validate} on a job with training.recipe: auto says what the probe will try. */
class ValidateAutoRecipeTest {
  static final Path EXAMPLE = Path.of("../deploy/examples/fashion-mnist/target-auto-job.yaml");

  @Test
  void theExampleIsValidAndTheProbeIsExplained() {
    ValidateSweepTest.Run r = ValidateSweepTest.run("validate", EXAMPLE.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("valid FineTuneJob 'fmnist-target-auto'"), r.out());
    assertTrue(r.out().contains("2-fold probe"), r.out());
    assertTrue(
        r.out().contains("none, layer1, layer2, layer3 x head multiplier 1, 10, 100"), r.out());
    assertTrue(r.out().contains("within 20% of the fine-tune's own compute"), r.out());
  }

  @Test
  void autoWithAFreezeListIsRefusedInOneLine(@TempDir Path dir) {
    Path job =
        JobYaml.small("auto-freeze")
            .pretrained("file:///models/source.safetensors")
            .imageFolder(dir)
            .fields("training", "recipe: auto, freeze: [conv1]")
            .write(dir.resolve("job.yaml"));
    ValidateSweepTest.Run r = ValidateSweepTest.run("validate", job.toString());
    assertEquals(3, r.code(), r.out());
    assertTrue(
        r.err()
            .contains(
                "spec.training.freeze: must be empty with training.recipe: auto, which picks the"
                    + " depth itself"),
        r.err());
  }
}
