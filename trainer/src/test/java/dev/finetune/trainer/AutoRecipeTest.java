package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.FinalResult;
import dev.finetune.contract.StorageLayout;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.probe.ProbeReport;
import dev.finetune.trainer.spec.JobLoader;
import dev.finetune.trainer.testing.JobYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * training.recipe: auto end to end on real (synthetic) images and a real source model: the probe
 * tries the grid within its budget, the fine-tune trains with the choice, and result.json, the
 * model card, the termination message's result and probe.json record it.
 */
class AutoRecipeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path shared;
  static Path data;
  static String source;

  @BeforeAll
  static void sourceModel() throws IOException {
    data = SyntheticImageFolder.write(shared.resolve("data"), 8, 4, 24, 3);
    JobResult r =
        run(
            shared.resolve("source"),
            JobYaml.job("src").imageFolder(data).resize(16).epochs(1).batchSize(8));
    assertNotNull(r.finetune());
    source = shared.resolve("source/finetune/model.safetensors").toUri().toString();
  }

  /** 24 training images (8 per class), evaluated on 12 test images once, at the end. */
  static JobYaml autoJob(String name, int epochs) {
    return JobYaml.job(name)
        .pretrained(source)
        .imageFolder(data)
        .resize(16)
        .epochs(epochs)
        .batchSize(4)
        .fields(
            "training",
            "recipe: auto, evalEveryEpochs: " + epochs + ", learningRate: 0.01, seed: 5");
  }

  static JobYaml autoJob(String name) {
    return autoJob(name, 40);
  }

  static JobResult run(Path out, JobYaml job) {
    return new JobRunner(FashionMnistTransferTest.options(out, Map.of(), 2), new StopSignal())
        .run(JobLoader.parse(job.yaml(), job.name() + ".yaml"));
  }

  @Test
  void theProbeChoosesWithinItsBudgetAndEveryRecordSaysSo(@TempDir Path dir) throws IOException {
    JobResult r = run(dir.resolve("out"), autoJob("auto-a"));
    ProbeReport p = r.recipe();
    assertNotNull(p, "result has the probe report");
    assertEquals(AutoRecipe.candidates().size(), p.candidates().size());
    assertTrue(p.budgetShare() <= AutoRecipe.BUDGET_SHARE, "share " + p.budgetShare());
    assertEquals(2, p.folds());
    ProbeReport.Row best =
        p.candidates().stream()
            .filter(row -> row.dropped() == null)
            .max(
                (a, b) ->
                    a.validationAccuracy().equals(b.validationAccuracy())
                        ? Double.compare(b.validationLoss(), a.validationLoss())
                        : Double.compare(a.validationAccuracy(), b.validationAccuracy()))
            .orElseThrow();
    assertEquals(best.validationAccuracy(), p.chosen().validationAccuracy());

    JsonNode json = JSON.readTree(dir.resolve("out/result.json").toFile());
    assertEquals(p.summary(), json.path("recipe").path("summary").asText());
    assertEquals(12, json.path("recipe").path("candidates").size());
    byte[] resultJson = Files.readAllBytes(dir.resolve("out/result.json"));
    assertEquals(p.summary(), FinalResult.fromResultJson(resultJson).orElseThrow().recipe());

    String card;
    try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
      Path readme =
          files
              .filter(f -> f.getFileName().toString().equals(StorageLayout.MODEL_CARD_FILE))
              .findFirst()
              .orElseThrow();
      card = Files.readString(readme);
    }
    assertTrue(card.contains("## Auto recipe"), card);
    assertTrue(card.contains("(chosen)"), card);
    assertTrue(
        card.contains(
            "| "
                + new AutoRecipe.Candidate(p.chosen().depth(), p.chosen().headMultiplier()).label()
                + " (chosen)"),
        card);
  }

  @Test
  void theSameSeedMakesTheSameChoiceAndAResumedJobReadsItsProbe(@TempDir Path dir)
      throws IOException {
    ProbeReport first = run(dir.resolve("a"), autoJob("auto-b")).recipe();
    ProbeReport second = run(dir.resolve("b"), autoJob("auto-b")).recipe();
    assertEquals(first.candidates(), second.candidates(), "same seed, same table");
    assertEquals(first.chosen(), second.chosen());

    Path probe;
    try (Stream<Path> files = Files.walk(dir.resolve("a"))) {
      probe =
          files
              .filter(f -> f.getFileName().toString().equals(StorageLayout.PROBE))
              .findFirst()
              .orElseThrow();
    }
    // The job runs again in the same place (a new attempt after a failure past the probe): it
    // reads its probe instead of probing again, so even the wall time is the stored one.
    ProbeReport again = run(dir.resolve("a"), autoJob("auto-b")).recipe();
    assertEquals(first, again);
    assertTrue(Files.exists(probe));

    // A probe.json that is not what it claims is not trusted: the job probes again (the same
    // choice, for the same seed) and writes a good one; nothing else is touched.
    Files.writeString(probe, "{\"identity\": {\"job\": \"another\"}, \"report\": 42}");
    ProbeReport foreign = run(dir.resolve("a"), autoJob("auto-b")).recipe();
    assertEquals(first.candidates(), foreign.candidates());
    Files.write(probe, new byte[] {(byte) 0xFF, 0, '{'});
    ProbeReport garbage = run(dir.resolve("a"), autoJob("auto-b")).recipe();
    assertEquals(first.chosen(), garbage.chosen());
    assertEquals(
        first.candidates(),
        JSON.treeToValue(JSON.readTree(probe.toFile()).get("report"), ProbeReport.class)
            .candidates());
  }

  @Test
  void aRunTooShortForTheProbeIsRefusedBeforeAnyTraining(@TempDir Path dir) {
    TrainerException e =
        assertThrows(TrainerException.class, () -> run(dir.resolve("out"), autoJob("auto-c", 2)));
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode());
    assertTrue(e.getMessage().contains("spec.training.epochs to at least"), e.getMessage());
    try (Stream<Path> files = Files.walk(dir)) {
      assertTrue(files.noneMatch(f -> f.toString().contains("ckpt-")), "no checkpoint was written");
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
  }
}
