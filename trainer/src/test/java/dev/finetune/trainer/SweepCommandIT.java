package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.testing.TrainerProcess;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune sweep} from the real CLI in a child JVM: a 2 x 1 grid with a held-out validation
 * fraction, objective validationLoss (continuous, so no ties on 6 images) and the median rule after
 * one finished trial. Every trial and the one baseline train under the operator's names; the second
 * trial is early-stopped exactly when its epoch-1 validation loss is above the first trial's; the
 * best finished trial's model folder is promoted to DIR/best/ byte for byte with promotion.json.
 */
class SweepCommandIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void aLocalSweepRunsItsTrialsStopsLosersAndPromotesTheBest() throws Exception {
    Path data = SyntheticImageFolder.write(dir.resolve("data"), 8, 3, 32, 5);
    String yaml =
        """
        apiVersion: finetune.dev/v1alpha1
        kind: FineTuneSweep
        metadata: {name: local}
        spec:
          template:
            model: {architecture: resnet18}
            dataset: {train: "%s", test: "%s", validation: {fraction: 0.25}}
            transforms: {train: {randomResizedCrop: 32}, test: {resize: 32}}
            training: {epochs: 2, batchSize: 8, learningRate: 0.01}
            baseline: {fromScratch: {epochs: 1}}
          parameters:
            - name: training.learningRate
              searchSpace: {categorical: {choices: ["0.0001", "0.05"]}}
            - name: training.weightDecay
              searchSpace: {categorical: {choices: ["0.0001"]}}
          objective: {metric: validationLoss, direction: minimize}
          earlyStopping: {minCompletedTrials: 1}
        """
            .formatted(data.resolve("train").toUri(), data.resolve("test").toUri());
    Path manifest = Files.writeString(dir.resolve("sweep.yaml"), yaml);
    Path out = dir.resolve("out");
    Path log = dir.resolve("sweep.log");
    int exit =
        TrainerProcess.await(
            TrainerProcess.start(
                log,
                "sweep",
                manifest.toString(),
                "-o",
                out.toString(),
                "--metrics-port",
                "-1",
                "--no-progress",
                "--threads",
                "1",
                "--cache-dir",
                dir.resolve("cache").toString()),
            600);
    String text = Files.readString(log);
    assertEquals(0, exit, text);
    text.lines()
        .filter(l -> l.startsWith("trial ") || l.startsWith("  ") || l.startsWith("sweep"))
        .forEach(System.out::println);

    FineTuneSweep sweep = Serialization.unmarshal(yaml, FineTuneSweep.class);
    List<String> trials =
        SearchPoints.trials(sweep.getSpec()).stream()
            .map(a -> TrialNames.trial("local", a))
            .toList();
    JsonNode first = JSON.readTree(out.resolve(trials.get(0)).resolve("result.json").toFile());
    JsonNode second = JSON.readTree(out.resolve(trials.get(1)).resolve("result.json").toFile());
    assertTrue(Files.exists(out.resolve("trials").resolve(trials.get(1) + ".yaml")));
    assertTrue(Files.exists(out.resolve(TrialNames.baseline("local")).resolve("result.json")));
    assertEquals(2, first.path("finetune").path("epochs").size());
    double firstAt1 = validation(first, 0);
    double secondAt1 = validation(second, 0);
    boolean stopped = second.path("finetune").path("epochs").size() == 1;
    assertEquals(secondAt1 > firstAt1, stopped, "median rule at epoch 1: " + text);
    // Seeded: learning rate 0.05 from scratch blows the second trial's loss up at epoch 1.
    assertTrue(stopped, "the rule is exercised: " + text);
    assertEquals(
        stopped, text.contains("trial " + trials.get(1) + " early-stopped at epoch 1"), text);

    String best =
        stopped || validation(first, 1) <= validation(second, 1) ? trials.get(0) : trials.get(1);
    JsonNode promotion = JSON.readTree(out.resolve("best/promotion.json").toFile());
    assertEquals(best, promotion.path("trial").asText(), text);
    JsonNode bestResult = best.equals(trials.get(0)) ? first : second;
    Path model = Path.of(URI.create(bestResult.path("finetune").path("modelUri").asText()));
    for (String f : List.of("model.safetensors", "manifest.json", "result.json")) {
      assertArrayEquals(
          Files.readAllBytes(model.resolveSibling(f)),
          Files.readAllBytes(out.resolve("best").resolve(f)),
          f);
    }
  }

  static double validation(JsonNode result, int epoch) {
    return result.path("finetune").path("epochs").get(epoch).path("validationLoss").doubleValue();
  }
}
