package dev.finetune.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.LossReduction;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.ResNetLayers;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.Recipe;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.testing.TorchReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResNetTest {
  static final Recipe RECIPE = new Recipe(0.01, 10, 0, 0, LossReduction.MEAN, List.of());

  @Test
  void resnet18HasTorchvisionParameterCountAndNames() {
    try (TrainingSession s = open(Architecture.RESNET18, 1000)) {
      assertEquals(11_689_512L, Weights.parameterCount(s.net()));
      Map<String, ?> names = s.net().namedParameters();
      assertEquals(
          102, names.size()); // 20 conv + fc weight/bias + 20 BN x (weight, bias, 2 buffers)
      assertTrue(names.containsKey("layer1.0.bn1.running_mean"));
      assertTrue(names.containsKey("layer2.0.downsample.0.weight"));
      assertTrue(names.containsKey("layer4.1.conv2.weight"));
      assertTrue(!names.containsKey("layer1.0.downsample.0.weight"), "no projection in layer1");
    }
  }

  /** The contract's static layer table (used to check spec.training.freeze) is this network's. */
  @Test
  void contractLayerTableMatchesTheNetwork() {
    for (Architecture a : Architecture.values()) {
      assertEquals(new ResNet(a, 2).moduleNames(), ResNetLayers.moduleNames(a), a.id());
    }
  }

  @Test
  void resnet34HasTorchvisionParameterCount() {
    try (TrainingSession s = open(Architecture.RESNET34, 1000)) {
      assertEquals(21_797_672L, Weights.parameterCount(s.net()));
    }
  }

  @Test
  void evalLogitsMatchTorchvisionForTheSameWeights() throws Exception {
    Path ref = TorchReference.run("logits");
    try (TrainingSession s = open(Architecture.RESNET18, 1000);
        NDManager m = NDManager.newBaseManager()) {
      List<String> loaded =
          Weights.load(
              s.net(), Files.readAllBytes(ref.resolve("weights.safetensors")), "ref", n -> false);
      assertEquals(102, loaded.size());
      Map<String, NDArray> io = TorchReference.load(m, ref.resolve("io.safetensors"));
      NDArray logits = s.predict(io.get("input"));
      float[] actual = logits.toFloatArray();
      float[] expected = io.get("logits").toFloatArray();
      assertEquals(expected.length, actual.length);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(
            expected[i],
            actual[i],
            1e-4 + 1e-4 * Math.abs(expected[i]),
            "logit " + i + " of " + Arrays.toString(Arrays.copyOf(actual, 5)));
      }
    }
  }

  @Test
  void importRejectsShapeMismatchNamingTheTensor() throws Exception {
    Path ref = TorchReference.run("logits");
    try (TrainingSession s = open(Architecture.RESNET34, 1000)) {
      byte[] file = Files.readAllBytes(ref.resolve("weights.safetensors"));
      TrainerException e =
          assertThrows(
              TrainerException.class, () -> Weights.load(s.net(), file, "r18", n -> false));
      assertEquals(ExitCode.WEIGHTS_INVALID, e.exitCode());
      assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
    try (TrainingSession s = open(Architecture.RESNET18, 10)) {
      byte[] file = Files.readAllBytes(ref.resolve("weights.safetensors"));
      TrainerException e =
          assertThrows(
              TrainerException.class, () -> Weights.load(s.net(), file, "r18", n -> false));
      assertTrue(e.getMessage().contains("fc.weight has shape [1000, 512]"), e.getMessage());
    }
  }

  @Test
  void corruptSafetensorsFailClearly() {
    try (TrainingSession s = open(Architecture.RESNET18, 2)) {
      byte[] good = Weights.encode(s.net());
      for (byte[] bad :
          List.of(
              new byte[0],
              Arrays.copyOf(good, 100),
              Arrays.copyOf(good, good.length - 1),
              lyingHeader(good))) {
        TrainerException e =
            assertThrows(
                TrainerException.class, () -> Weights.load(s.net(), bad, "x.st", n -> false));
        assertEquals(ExitCode.WEIGHTS_INVALID, e.exitCode());
        assertTrue(e.getMessage().startsWith("x.st: "), e.getMessage());
      }
      assertEquals(102, Weights.load(s.net(), good, "good", n -> false).size());
    }
  }

  private static byte[] lyingHeader(byte[] good) {
    byte[] copy = good.clone();
    copy[7] = 0x7f; // header length near 2^63
    return copy;
  }

  static TrainingSession open(Architecture arch, int classes) {
    return TrainingSession.open(
        new ResNet(arch, classes), RECIPE, 0, false, 32, Device.cpu(), List.of());
  }
}
