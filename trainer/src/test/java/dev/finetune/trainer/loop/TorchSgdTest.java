package dev.finetune.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.LossReduction;
import dev.finetune.trainer.model.ResNet;
import dev.finetune.trainer.model.Weights;
import dev.finetune.trainer.testing.TorchReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The d2l recipe's update rule against torch.optim.SGD: summed loss, weight decay on every
 * parameter, 10x learning rate on fc, momentum, and frozen layers with BN in eval mode. Two steps
 * from identical weights must give the same parameters and BN statistics.
 */
class TorchSgdTest {
  @ParameterizedTest
  @CsvSource({"plain, 0.9, ''", "frozen, 0.0, conv1;bn1;layer1"})
  void twoStepsMatchTorchOptimSgd(String variant, double momentum, String freeze) throws Exception {
    Path ref = TorchReference.run("sgd");
    List<String> frozen = freeze.isEmpty() ? List.of() : List.of(freeze.split(";"));
    Recipe recipe = new Recipe(0.001, 10, 0.05, momentum, LossReduction.SUM, frozen);
    try (TrainingSession s =
            TrainingSession.open(
                new ResNet(Architecture.RESNET18, 2),
                recipe,
                0,
                true,
                32,
                Device.cpu(),
                List.of());
        NDManager m = NDManager.newBaseManager()) {
      Weights.load(
          s.net(),
          Files.readAllBytes(ref.resolve(variant + "-initial.safetensors")),
          "initial",
          n -> false);
      s.applyFreeze();
      Map<String, NDArray> io = TorchReference.load(m, ref.resolve(variant + "-io.safetensors"));
      for (int step = 0; step < 2; step++) {
        TrainingSession.StepOutcome out = s.step(io.get("x" + step), io.get("y" + step));
        float expectedLoss = io.get("loss" + step).getFloat();
        assertEquals(
            expectedLoss,
            out.loss(),
            1e-4 * Math.max(1, Math.abs(expectedLoss)),
            "loss at step " + step);
      }
      Map<String, NDArray> expected =
          TorchReference.load(m, ref.resolve(variant + "-final.safetensors"));
      Map<String, NDArray> initial =
          TorchReference.load(m, ref.resolve(variant + "-initial.safetensors"));
      int compared = 0;
      for (Map.Entry<String, Parameter> e : s.net().namedParameters().entrySet()) {
        float[] actual = e.getValue().getArray().toFloatArray();
        float[] want = expected.get(e.getKey()).toFloatArray();
        float[] before = initial.get(e.getKey()).toFloatArray();
        float maxDiff = 0;
        float maxMove = 0;
        for (int i = 0; i < want.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(actual[i] - want[i]));
          maxMove = Math.max(maxMove, Math.abs(want[i] - before[i]));
        }
        assertTrue(
            maxDiff <= 2e-5 + 2e-3 * maxMove,
            e.getKey() + ": max |djl - torch| = " + maxDiff + " (torch moved " + maxMove + ")");
        boolean isFrozen = frozen.stream().anyMatch(p -> e.getKey().startsWith(p + "."));
        if (isFrozen) {
          assertEquals(0f, maxMove, e.getKey() + " is frozen in torch too");
          assertEquals(0f, maxDiff, e.getKey() + " must not move when frozen");
        }
        compared++;
      }
      assertEquals(102, compared);
    }
  }
}
