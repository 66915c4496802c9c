package dev.finetune.operator.status;

import static dev.finetune.operator.Fixtures.ftj;
import static dev.finetune.operator.Fixtures.job;
import static dev.finetune.operator.Fixtures.runningPod;
import static dev.finetune.operator.Fixtures.succeededJob;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static dev.finetune.operator.status.StatusBuilderTest.NOW;
import static dev.finetune.operator.status.StatusBuilderTest.VALID;
import static dev.finetune.operator.status.StatusBuilderTest.obs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.FinalResult;
import dev.finetune.operator.observe.CheckpointSelector;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.observe.StorageObservation;
import dev.finetune.operator.observe.TrainerMetrics;
import dev.finetune.operator.observe.TrainerMetricsTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The final numbers of a Succeeded job: termination message first, then object storage. */
class FinalResultStatusTest {
  static final FinalResult RESULT =
      new FinalResult(
          FinalResult.FORMAT,
          new FinalResult.Run(
              3, 3, 27, 0.41234567, 0.875, 0.8333333333333334, 101.5, 0.75, 0.6931471805599453, 3),
          new FinalResult.Run(2, 2, 18, 1.0986, 0.375, 0.5, 99.25),
          0.33333333333333337);

  /** The trainer's result.json as it writes it (other fields left out). */
  static final String RESULT_JSON =
      """
      {"job": "a", "finetune": {"run": "finetune", "testAccuracy": 0.8333333333333334,
        "epochs": [{"epoch": 1, "step": 9, "trainLoss": 2.0, "trainAccuracy": 0.1,
                    "testAccuracy": "NaN", "validationAccuracy": 0.625,
                    "validationLoss": 0.9, "imagesPerSecond": 90.0, "seconds": 1.0},
                   {"epoch": 3, "step": 27, "trainLoss": 0.41234567, "trainAccuracy": 0.875,
                    "testAccuracy": 0.8333333333333334, "validationAccuracy": "NaN",
                    "validationLoss": "NaN", "imagesPerSecond": 101.5,
                    "seconds": 1.0}]},
       "baseline": null, "accuracyGain": null}
      """;

  static Observation succeeded(String terminationMessage) {
    return obs(List.of(succeededJob("a", 1)), terminatedPod("a", 1, 0, terminationMessage).build());
  }

  @Test
  void fromTheTerminationMessageUnrounded() {
    FineTuneJobStatus s =
        StatusBuilder.build(ftj("a").obj(), succeeded(RESULT.toJson()), VALID, NOW);
    assertEquals("Succeeded", s.phase);
    assertEquals(FinalResult.SOURCE_TERMINATION_MESSAGE, s.resultSource);
    assertEquals(100, s.progress.percentage);
    assertEquals(3, s.progress.epoch);
    assertEquals(3, s.progress.totalEpochs);
    assertEquals(27L, s.progress.step);
    assertEquals(0L, s.progress.estimatedRemainingSeconds);
    assertEquals("0.41234567", s.metrics.trainLoss);
    assertEquals("0.875", s.metrics.trainAccuracy);
    assertEquals("0.8333333333333334", s.metrics.testAccuracy);
    assertEquals("101.5", s.metrics.imagesPerSecond);
    assertEquals("0.75", s.metrics.validationAccuracy);
    assertEquals("0.6931471805599453", s.metrics.validationLoss);
    assertNull(s.baseline.validationAccuracy, "no validation split in the baseline's result");
    assertEquals("0.5", s.baseline.testAccuracy);
    assertEquals("1.0986", s.baseline.trainLoss);
    assertEquals("0.33333333333333337", s.accuracyGain);
    assertEquals(0.8333333333333334, Double.parseDouble(s.metrics.testAccuracy));
  }

  @Test
  void replacesTheLastScrapedValues() {
    FineTuneJob a = ftj("a").obj();
    Observation running =
        new Observation(
            obs(List.of(job("a", 1).build()), runningPod("a", 1)).attempts(),
            Optional.of(TrainerMetrics.parse(TrainerMetricsTest.SAMPLE)));
    a.setStatus(StatusBuilder.build(a, running, VALID, NOW));
    assertEquals(30, a.getStatus().progress.percentage);
    FineTuneJobStatus s = StatusBuilder.build(a, succeeded(RESULT.toJson()), VALID, NOW);
    assertEquals(100, s.progress.percentage);
    assertEquals("0.8333333333333334", s.metrics.testAccuracy);
    assertEquals("0.75", s.metrics.validationAccuracy);
  }

  @Test
  void fallsBackToResultJsonInStorage() {
    Observation o = succeeded("").withStorage(storage(RESULT_JSON));
    FineTuneJobStatus s = StatusBuilder.build(ftj("a").obj(), o, VALID, NOW);
    assertEquals(FinalResult.SOURCE_OBJECT_STORAGE, s.resultSource);
    assertEquals("0.8333333333333334", s.metrics.testAccuracy);
    assertEquals(3, s.progress.epoch);
    assertEquals(2, s.progress.totalEpochs, "epochs in the history");
    assertEquals(27L, s.progress.step);
    assertEquals("0.625", s.metrics.validationAccuracy, "the newest validated epoch");
    assertEquals("0.9", s.metrics.validationLoss);
    assertEquals(1, s.metrics.validationEpoch);
    assertNull(s.baseline);
    assertNull(s.accuracyGain);
  }

  @Test
  void aLogTailIsNotAResult() {
    FineTuneJobStatus s =
        StatusBuilder.build(
            ftj("a").obj(), succeeded("some log line\n{\"not\": \"ours\"}"), VALID, NOW);
    assertEquals("Succeeded", s.phase);
    assertNull(s.resultSource);
  }

  @Test
  void storageThatAnswersAfterTheEndStillFillsTheStatusOnce() {
    FineTuneJob a = ftj("a").obj();
    a.setStatus(StatusBuilder.build(a, succeeded(null), VALID, NOW));
    assertNull(a.getStatus().resultSource, "neither source yet");
    FineTuneJobStatus later =
        StatusBuilder.build(
            a, obs(List.of()).withStorage(storage(RESULT_JSON)), VALID, NOW.plusSeconds(60));
    assertEquals(FinalResult.SOURCE_OBJECT_STORAGE, later.resultSource);
    assertEquals("0.8333333333333334", later.metrics.testAccuracy);
    a.setStatus(later);
    FineTuneJobStatus again =
        StatusBuilder.build(a, succeeded(RESULT.toJson()), VALID, NOW.plusSeconds(120));
    assertEquals(
        FinalResult.SOURCE_OBJECT_STORAGE, again.resultSource, "read once, never replaced");
  }

  static StorageObservation storage(String resultJson) {
    return StorageObservation.answered(
        CheckpointSelector.Selection.NONE,
        Optional.empty(),
        FinalResult.fromResultJson(resultJson.getBytes(StandardCharsets.UTF_8)));
  }

  /** training.recipe: auto's one line reaches status.recipe from either source. */
  @Test
  void theAutoRecipesChoiceReachesStatusFromEitherSource() {
    String line =
        "auto: freeze layer2, head x10 (validation 0.8500, best of 12 candidates on 2 folds;"
            + " probe 17% of the run's compute)";
    FinalResult withRecipe =
        new FinalResult(
            RESULT.format(), RESULT.finetune(), RESULT.baseline(), RESULT.accuracyGain(), line);
    FineTuneJobStatus s =
        StatusBuilder.build(ftj("a").obj(), succeeded(withRecipe.toJson()), VALID, NOW);
    assertEquals(line, s.recipe);
    String json =
        RESULT_JSON.replace(
            "\"accuracyGain\": null}",
            "\"accuracyGain\": null, \"recipe\": {\"mode\": \"auto\", \"summary\": \""
                + line
                + "\"}}");
    FineTuneJobStatus fromStorage =
        StatusBuilder.build(ftj("a").obj(), succeeded("").withStorage(storage(json)), VALID, NOW);
    assertEquals(FinalResult.SOURCE_OBJECT_STORAGE, fromStorage.resultSource);
    assertEquals(line, fromStorage.recipe);
    assertNull(
        StatusBuilder.build(ftj("a").obj(), succeeded(RESULT.toJson()), VALID, NOW).recipe,
        "a fixed recipe leaves status.recipe out");
  }
}
