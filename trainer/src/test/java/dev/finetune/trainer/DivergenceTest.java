package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.ExitCode;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.spec.JobLoader;
import dev.finetune.trainer.testing.JobYaml;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipe that blows up fails fast with DIVERGED and a hint, not with garbage weights. */
class DivergenceTest {
  @Test
  void nanLossFailsWithDivergedAndNamesTheLearningRate(@TempDir Path dir) throws Exception {
    Path data = SyntheticImageFolder.write(dir.resolve("data"), 16, 4, 32, 5);
    FineTuneJob job =
        JobLoader.parse(
            JobYaml.job("diverge")
                .architecture("resnet18")
                .imageFolder(data)
                .resize(32)
                .epochs(20)
                .batchSize(16)
                .learningRate("10")
                .fields("training", "momentum: 0.99, lossReduction: sum")
                .yaml(),
            "diverge.yaml");
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () ->
                new JobRunner(
                        FashionMnistTransferTest.options(dir.resolve("out"), java.util.Map.of(), 2),
                        new StopSignal())
                    .run(job));
    System.out.println("diverged: " + e.getMessage());
    assertEquals(ExitCode.DIVERGED, e.exitCode());
    assertTrue(e.getMessage().contains("spec.training.learningRate"), e.getMessage());
  }
}
