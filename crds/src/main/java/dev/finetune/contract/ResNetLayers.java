package dev.finetune.contract;

import dev.finetune.api.v1alpha1.spec.Architecture;
import java.util.ArrayList;
import java.util.List;

/**
 * The module names of torchvision's ResNet-18/34 (conv1, bn1, layer1.0.conv1, ...,
 * layer2.0.downsample.0, ..., fc), from the architecture's blocks per stage alone, so {@code
 * spec.training.freeze} is checked without building a network. The trainer's ResNet defines the
 * same names (ResNetTest compares them).
 */
public final class ResNetLayers {
  /** The output layer that transfer learning replaces; it cannot be frozen. */
  public static final String HEAD = "fc";

  private ResNetLayers() {}

  /** Module names in definition order. */
  public static List<String> moduleNames(Architecture architecture) {
    List<String> names = new ArrayList<>(List.of("conv1", "bn1"));
    for (int s = 0; s < 4; s++) {
      int count = architecture.blocksPerStage().get(s);
      for (int b = 0; b < count; b++) {
        String block = "layer" + (s + 1) + "." + b;
        for (String m : List.of("conv1", "bn1", "conv2", "bn2")) {
          names.add(block + "." + m);
        }
        if (s > 0 && b == 0) { // stride 2 and a new width: a 1x1 projection
          names.add(block + ".downsample.0");
          names.add(block + ".downsample.1");
        }
      }
    }
    names.add(HEAD);
    return names;
  }

  /** True if prefix is a module name or a prefix of one at a '.' boundary (layer1, layer1.0). */
  public static boolean isModulePrefix(Architecture architecture, String prefix) {
    return moduleNames(architecture).stream()
        .anyMatch(m -> m.equals(prefix) || m.startsWith(prefix + "."));
  }
}
