package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.TrainerHeap;
import dev.finetune.trainer.spec.JobLoader;
import dev.finetune.trainer.testing.JobYaml;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune java-options JOB.yaml}, which bin/finetune train starts the JVM with: the options
 * of a trainer pod of the same job, computed by the same rule the operator uses.
 */
class JavaOptionsCommandTest {
  static final Path EXAMPLE = Path.of("../deploy/examples/fashion-mnist/target-auto-job.yaml");

  @Test
  void aCpuJobGetsThePodsCeilingAndYoungGeneration() {
    ValidateSweepTest.Run r = ValidateSweepTest.run("java-options", EXAMPLE.toString());
    assertEquals(0, r.code(), r.err());
    int young = TrainerHeap.youngMiB(JobLoader.load(EXAMPLE).getSpec());
    assertEquals("-XX:MaxRAMPercentage=50 -Xmn" + young + "m", r.out().strip());
  }

  @Test
  void aLargerBatchGetsALargerYoungGeneration(@TempDir Path dir) {
    Path small = JobYaml.small("s").imageFolder(dir).write(dir.resolve("s.yaml"));
    Path large =
        JobYaml.job("l")
            .imageFolder(dir)
            .resize(224)
            .epochs(1)
            .batchSize(128)
            .write(dir.resolve("l.yaml"));
    assertTrue(young(small) < young(large), young(small) + " vs " + young(large));
  }

  @Test
  void aGpuJobGetsTheCeilingAlone(@TempDir Path dir) {
    Path gpu =
        JobYaml.small("g")
            .imageFolder(dir)
            .fields("resources", "gpus: 1")
            .write(dir.resolve("g.yaml"));
    ValidateSweepTest.Run r = ValidateSweepTest.run("java-options", gpu.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("-XX:MaxRAMPercentage=50", r.out().strip());
  }

  @Test
  void aBadManifestIsAnErrorNotOptions(@TempDir Path dir) {
    ValidateSweepTest.Run r =
        ValidateSweepTest.run("java-options", dir.resolve("missing.yaml").toString());
    assertTrue(r.code() != 0);
    assertEquals("", r.out().strip());
  }

  static int young(Path job) {
    String out = ValidateSweepTest.run("java-options", job.toString()).out().strip();
    return Integer.parseInt(out.substring(out.indexOf("-Xmn") + 4, out.length() - 1));
  }
}
