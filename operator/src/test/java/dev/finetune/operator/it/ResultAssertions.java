package dev.finetune.operator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.api.v1alpha1.status.RunMetrics;

/** The finished status of a FineTuneJob against the trainer's own result.json. */
public final class ResultAssertions {
  private ResultAssertions() {}

  /**
   * Every number of the finished status equals the trainer's own result.json, exactly: progress
   * (100 %, last epoch and step), the fine-tune run's and the baseline's last-epoch loss,
   * accuracies and throughput, and accuracyGain; read from the termination message.
   */
  public static void assertFinishedStatusEqualsResult(FineTuneJobStatus s, JsonNode result) {
    assertEquals("TerminationMessage", s.resultSource);
    JsonNode epochs = result.at("/finetune/epochs");
    JsonNode last = epochs.get(epochs.size() - 1);
    assertEquals(100, s.progress.percentage);
    assertEquals(0L, s.progress.estimatedRemainingSeconds);
    assertEquals(last.get("epoch").asInt(), s.progress.epoch);
    assertEquals(epochs.size(), s.progress.totalEpochs);
    assertEquals(last.get("step").asLong(), s.progress.step);
    assertRunEquals(s.metrics, result.get("finetune"));
    if (result.get("baseline").isNull()) {
      assertEquals(null, s.baseline, "no baseline requested");
      assertEquals(null, s.accuracyGain);
    } else {
      assertRunEquals(s.baseline, result.get("baseline"));
      assertEquals(result.get("accuracyGain").doubleValue(), Double.parseDouble(s.accuracyGain));
    }
  }

  public static void assertRunEquals(RunMetrics m, JsonNode run) {
    JsonNode epochs = run.get("epochs");
    JsonNode last = epochs.get(epochs.size() - 1);
    assertEquals(last.get("trainLoss").doubleValue(), Double.parseDouble(m.trainLoss));
    assertEquals(last.get("trainAccuracy").doubleValue(), Double.parseDouble(m.trainAccuracy));
    assertEquals(run.get("testAccuracy").doubleValue(), Double.parseDouble(m.testAccuracy));
    assertEquals(last.get("imagesPerSecond").doubleValue(), Double.parseDouble(m.imagesPerSecond));
  }
}
