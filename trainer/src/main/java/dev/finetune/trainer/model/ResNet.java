package dev.finetune.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.contract.ResNetLayers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torchvision's ResNet-18/34 (BasicBlock, no conv bias, BN eps 1e-5, no projection in layer1),
 * built from DJL blocks. Parameters are exposed under torchvision's state_dict names (conv1.weight,
 * layer1.0.bn1.running_mean, fc.bias, ...), so torchvision safetensors files map one to one. DJL's
 * own ResNetV1 is a different network and cannot load these weights.
 */
public final class ResNet extends AbstractBlock {
  /** Name prefix of the output layer that transfer learning replaces. */
  public static final String HEAD = ResNetLayers.HEAD;

  private static final int[] WIDTHS = {64, 128, 256, 512};

  private final Architecture architecture;
  private final int numClasses;
  private final Conv2d conv1;
  private final FreezableBatchNorm bn1;
  private final List<List<BasicBlock>> stages = new ArrayList<>();
  private final Linear fc;
  private final Map<String, Object> modules = new LinkedHashMap<>();
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();

  public ResNet(Architecture architecture, int numClasses) {
    this.architecture = architecture;
    this.numClasses = numClasses;
    conv1 = addChildBlock("conv1", Layers.conv(64, 7, 2, 3));
    bn1 = addChildBlock("bn1", new FreezableBatchNorm());
    modules.put("conv1", conv1);
    modules.put("bn1", bn1);
    for (int s = 0; s < 4; s++) {
      List<BasicBlock> blocks = new ArrayList<>();
      int count = architecture.blocksPerStage().get(s);
      for (int b = 0; b < count; b++) {
        int stride = (s > 0 && b == 0) ? 2 : 1;
        boolean project = s > 0 && b == 0;
        String name = "layer" + (s + 1) + "." + b;
        BasicBlock block = addChildBlock(name, new BasicBlock(WIDTHS[s], stride, project));
        block.collect(name, modules);
        blocks.add(block);
      }
      stages.add(blocks);
    }
    fc = addChildBlock(HEAD, Linear.builder().setUnits(numClasses).optBias(true).build());
    modules.put(HEAD, fc);
    indexParameters();
  }

  private void indexParameters() {
    modules.forEach(
        (name, module) -> {
          if (module instanceof FreezableBatchNorm bn) {
            parameters.put(name + ".weight", bn.weight());
            parameters.put(name + ".bias", bn.bias());
            parameters.put(name + ".running_mean", bn.runningMean());
            parameters.put(name + ".running_var", bn.runningVar());
          } else {
            Block block = (Block) module;
            Parameter weight = block.getDirectParameters().get("weight");
            parameters.put(name + ".weight", weight);
            if (block.getDirectParameters().contains("bias")) {
              parameters.put(name + ".bias", block.getDirectParameters().get("bias"));
            }
          }
        });
  }

  public Architecture architecture() {
    return architecture;
  }

  public int numClasses() {
    return numClasses;
  }

  /** Every parameter and BatchNorm buffer under its torchvision name, in state_dict order. */
  public Map<String, Parameter> namedParameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** Module names (conv1, layer1.0.bn2, fc, ...) in definition order. */
  public List<String> moduleNames() {
    return List.copyOf(modules.keySet());
  }

  /** True if name is a module name or a prefix of one at a '.' boundary (e.g. layer1, layer1.0). */
  public boolean isModulePrefix(String prefix) {
    return modules.keySet().stream().anyMatch(m -> matches(prefix, m));
  }

  /**
   * Freezes every module under the given torchvision prefixes: their parameters stop receiving
   * gradients and their BatchNorm layers keep running statistics fixed (eval mode).
   */
  public void freeze(List<String> prefixes) {
    modules.forEach(
        (name, module) -> {
          boolean frozen = prefixes.stream().anyMatch(p -> matches(p, name));
          if (module instanceof FreezableBatchNorm bn) {
            bn.setFrozen(frozen);
          }
        });
    parameters.forEach(
        (name, p) -> {
          boolean frozen = prefixes.stream().anyMatch(pre -> matches(pre, name));
          if (frozen && p.requiresGradient()) {
            p.freeze(true);
          }
        });
  }

  /** Names of parameters that are trained (not frozen and not BatchNorm statistics). */
  public List<String> trainableNames() {
    List<String> names = new ArrayList<>();
    parameters.forEach(
        (name, p) -> {
          if (p.requiresGradient()) {
            names.add(name);
          }
        });
    return names;
  }

  private static boolean matches(String prefix, String name) {
    return name.equals(prefix) || name.startsWith(prefix + ".");
  }

  /**
   * Sets torchvision's default initialisation: Kaiming-normal (fan_out, relu) convolutions, BN
   * weight 1 and bias 0, and nn.Linear's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for fc. With
   * {@code xavierHead}, fc.weight instead gets Xavier-uniform, the fine-tuning recipe's new output
   * layer. Call before initialisation; DJL's random generator must be seeded first.
   */
  public void useTorchvisionInitialization(boolean xavierHead) {
    Initializer kaiming =
        new XavierInitializer(
            XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.OUT, 2);
    parameters.forEach(
        (name, p) -> {
          if (modules.get(moduleOf(name)) instanceof Conv2d) {
            p.setInitializer(kaiming);
          }
        });
    Initializer headWeight =
        xavierHead
            ? new XavierInitializer(
                XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 3)
            : new XavierInitializer(
                XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN, 1);
    parameters.get(HEAD + ".weight").setInitializer(headWeight);
    parameters
        .get(HEAD + ".bias")
        .setInitializer(new UniformInitializer((float) (1 / Math.sqrt(512))));
  }

  private static String moduleOf(String parameterName) {
    return parameterName.substring(0, parameterName.lastIndexOf('.'));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList x = conv1.forward(ps, inputs, training, params);
    x = bn1.forward(ps, x, training, params);
    NDArray a = Activation.relu(x.singletonOrThrow());
    a = Pool.maxPool2d(a, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
    x = new NDList(a);
    for (List<BasicBlock> stage : stages) {
      for (BasicBlock block : stage) {
        x = block.forward(ps, x, training, params);
      }
    }
    NDArray features = x.singletonOrThrow();
    NDArray pooled = Pool.globalAvgPool2d(features).reshape(features.getShape().get(0), -1);
    return fc.forward(ps, new NDList(pooled), training, params);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    conv1.initialize(manager, dataType, shapes);
    Shape[] s = conv1.getOutputShapes(shapes);
    bn1.initialize(manager, dataType, s);
    long h = (s[0].get(2) + 2 - 3) / 2 + 1;
    long w = (s[0].get(3) + 2 - 3) / 2 + 1;
    s = new Shape[] {new Shape(s[0].get(0), 64, h, w)};
    for (List<BasicBlock> stage : stages) {
      for (BasicBlock block : stage) {
        block.initialize(manager, dataType, s);
        s = block.getOutputShapes(s);
      }
    }
    fc.initialize(manager, dataType, new Shape(s[0].get(0), s[0].get(1)));
  }
}
