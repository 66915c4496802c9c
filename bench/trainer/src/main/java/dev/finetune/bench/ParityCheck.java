package dev.finetune.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.LossReduction;
import dev.finetune.trainer.loop.Recipe;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.model.ResNet;
import dev.finetune.trainer.model.Weights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trainer's PyTorch parity on any device, outside JUnit so that it runs from the bench jar on a
 * machine without Maven: the checks of {@code
 * ResNetTest.evalLogitsMatchTorchvisionForTheSameWeights} and {@code TorchSgdTest} against the
 * files of {@code torch_reference.py logits|sgd DIR [--device cuda]}.
 *
 * <pre>
 *   ParityCheck [--device=cpu|gpu] LOGITS_DIR SGD_DIR
 * </pre>
 *
 * Prints one JSON line (worst errors and tolerances) and exits 1 when a check fails. On the CPU the
 * tolerances are the tests'; on the GPU they are 10x wider (cuDNN picks other convolution
 * algorithms than the CPU kernels; run with NVIDIA_TF32_OVERRIDE=0 so neither side uses TF32).
 */
public final class ParityCheck {
  private ParityCheck() {}

  public static void main(String[] args) throws Exception {
    Device device = Device.cpu();
    List<String> dirs = new ArrayList<>();
    for (String a : args) {
      if (a.startsWith("--device=")) {
        device = TrainerBench.device(a.substring("--device=".length()));
      } else {
        dirs.add(a);
      }
    }
    double scale = device.isGpu() ? 10 : 1;
    List<String> failures = new ArrayList<>();
    double logitsErr = logits(Path.of(dirs.get(0)), device, scale, failures);
    double sgdErr = 0;
    for (String variant : List.of("plain", "frozen")) {
      sgdErr = Math.max(sgdErr, sgd(Path.of(dirs.get(1)), variant, device, scale, failures));
    }
    System.out.printf(
        Locale.ROOT,
        "{\"check\":\"parity\",\"device\":\"%s\",\"logits_max_rel_err\":%.3g,"
            + "\"sgd_max_err_over_tol\":%.3g,\"tolerance_scale\":%.0f,\"pass\":%b,\"failures\":%d}%n",
        device.isGpu() ? "cuda" : "cpu",
        logitsErr,
        sgdErr,
        scale,
        failures.isEmpty(),
        failures.size());
    failures.stream().limit(10).forEach(f -> System.err.println("parity: " + f));
    System.exit(failures.isEmpty() ? 0 : 1);
  }

  /** Eval logits for identical weights; returns the worst |djl - torch| / tolerance. */
  static double logits(Path ref, Device device, double scale, List<String> failures)
      throws Exception {
    Recipe recipe = new Recipe(0.01, 10, 0, 0, LossReduction.MEAN, List.of());
    try (TrainingSession s =
            TrainingSession.open(
                new ResNet(Architecture.RESNET18, 1000), recipe, 0, false, 32, device, List.of());
        NDManager m = NDManager.newBaseManager(device)) {
      Weights.load(
          s.net(), Files.readAllBytes(ref.resolve("weights.safetensors")), "ref", n -> false);
      Map<String, NDArray> io = load(m, ref.resolve("io.safetensors"));
      float[] actual = s.predict(io.get("input")).toFloatArray();
      float[] expected = io.get("logits").toFloatArray();
      double worst = 0;
      for (int i = 0; i < expected.length; i++) {
        double tol = scale * (1e-4 + 1e-4 * Math.abs(expected[i]));
        double ratio = Math.abs(actual[i] - expected[i]) / tol;
        worst = Math.max(worst, ratio);
        if (ratio > 1) {
          failures.add("logit " + i + ": djl " + actual[i] + " torch " + expected[i]);
        }
      }
      return worst;
    }
  }

  /** Two SGD steps of the fine-tune recipe; returns the worst error / tolerance. */
  static double sgd(Path ref, String variant, Device device, double scale, List<String> failures)
      throws Exception {
    List<String> frozen = variant.equals("frozen") ? List.of("conv1", "bn1", "layer1") : List.of();
    double momentum = variant.equals("frozen") ? 0 : 0.9;
    Recipe recipe = new Recipe(0.001, 10, 0.05, momentum, LossReduction.SUM, frozen);
    double worst = 0;
    try (TrainingSession s =
            TrainingSession.open(
                new ResNet(Architecture.RESNET18, 2), recipe, 0, true, 32, device, List.of());
        NDManager m = NDManager.newBaseManager(device)) {
      Weights.load(
          s.net(),
          Files.readAllBytes(ref.resolve(variant + "-initial.safetensors")),
          "initial",
          n -> false);
      s.applyFreeze();
      Map<String, NDArray> io = load(m, ref.resolve(variant + "-io.safetensors"));
      for (int step = 0; step < 2; step++) {
        float loss = s.step(io.get("x" + step), io.get("y" + step)).loss();
        float want = io.get("loss" + step).getFloat();
        double ratio = Math.abs(loss - want) / (scale * 1e-4 * Math.max(1, Math.abs(want)));
        worst = Math.max(worst, ratio);
        if (ratio > 1) {
          failures.add(variant + " loss at step " + step + ": djl " + loss + " torch " + want);
        }
      }
      Map<String, NDArray> expected = load(m, ref.resolve(variant + "-final.safetensors"));
      Map<String, NDArray> initial = load(m, ref.resolve(variant + "-initial.safetensors"));
      for (Map.Entry<String, Parameter> e : s.net().namedParameters().entrySet()) {
        float[] actual = e.getValue().getArray().toFloatArray();
        float[] want = expected.get(e.getKey()).toFloatArray();
        float[] before = initial.get(e.getKey()).toFloatArray();
        double maxDiff = 0;
        double maxMove = 0;
        for (int i = 0; i < want.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(actual[i] - want[i]));
          maxMove = Math.max(maxMove, Math.abs(want[i] - before[i]));
        }
        double ratio = maxDiff / (scale * (2e-5 + 2e-3 * maxMove));
        worst = Math.max(worst, ratio);
        if (ratio > 1) {
          failures.add(
              variant
                  + " "
                  + e.getKey()
                  + ": max |djl - torch| = "
                  + maxDiff
                  + " (torch moved "
                  + maxMove
                  + ")");
        }
        boolean isFrozen = frozen.stream().anyMatch(p -> e.getKey().startsWith(p + "."));
        if (isFrozen && (maxMove != 0 || maxDiff != 0)) {
          failures.add(variant + " " + e.getKey() + " is frozen but moved");
        }
      }
    }
    return worst;
  }

  static Map<String, NDArray> load(NDManager manager, Path file) throws Exception {
    Map<String, NDArray> byName = new HashMap<>();
    for (NDArray a : NDList.decode(manager, Files.readAllBytes(file))) {
      byName.put(a.getName(), a);
    }
    return byName;
  }
}
