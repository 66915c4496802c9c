package dev.finetune.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;

/**
 * torchvision.models.resnet.BasicBlock: conv3x3-bn-relu-conv3x3-bn, plus the identity or a
 * 1x1-conv/bn projection ("downsample") when the stride or width changes; then relu.
 */
final class BasicBlock extends AbstractBlock {
  private final Conv2d conv1;
  private final FreezableBatchNorm bn1;
  private final Conv2d conv2;
  private final FreezableBatchNorm bn2;
  private final Conv2d downsampleConv;
  private final FreezableBatchNorm downsampleBn;

  BasicBlock(int planes, int stride, boolean project) {
    conv1 = addChildBlock("conv1", Layers.conv(planes, 3, stride, 1));
    bn1 = addChildBlock("bn1", new FreezableBatchNorm());
    conv2 = addChildBlock("conv2", Layers.conv(planes, 3, 1, 1));
    bn2 = addChildBlock("bn2", new FreezableBatchNorm());
    if (project) {
      downsampleConv = addChildBlock("downsample.0", Layers.conv(planes, 1, stride, 0));
      downsampleBn = addChildBlock("downsample.1", new FreezableBatchNorm());
    } else {
      downsampleConv = null;
      downsampleBn = null;
    }
  }

  /** Adds this block's modules to the name → module map, torchvision-style. */
  void collect(String prefix, Map<String, Object> modules) {
    modules.put(prefix + ".conv1", conv1);
    modules.put(prefix + ".bn1", bn1);
    modules.put(prefix + ".conv2", conv2);
    modules.put(prefix + ".bn2", bn2);
    if (downsampleConv != null) {
      modules.put(prefix + ".downsample.0", downsampleConv);
      modules.put(prefix + ".downsample.1", downsampleBn);
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList x = conv1.forward(ps, inputs, training, params);
    x = bn1.forward(ps, x, training, params);
    x = new NDList(Activation.relu(x.singletonOrThrow()));
    x = conv2.forward(ps, x, training, params);
    x = bn2.forward(ps, x, training, params);
    NDArray identity = inputs.singletonOrThrow();
    if (downsampleConv != null) {
      NDList d = downsampleConv.forward(ps, inputs, training, params);
      identity = downsampleBn.forward(ps, d, training, params).singletonOrThrow();
    }
    // out += identity, in place as torchvision's block does: bn2's output is not needed by any
    // backward step, so no activation-sized tensor is allocated for the sum
    // (bench/trainer/profile.sh)
    return new NDList(Activation.relu(x.singletonOrThrow().addi(identity)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] s = conv1.getOutputShapes(inputShapes);
    return conv2.getOutputShapes(s);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    conv1.initialize(manager, dataType, shapes);
    Shape[] mid = conv1.getOutputShapes(shapes);
    bn1.initialize(manager, dataType, mid);
    conv2.initialize(manager, dataType, mid);
    Shape[] out = conv2.getOutputShapes(mid);
    bn2.initialize(manager, dataType, out);
    if (downsampleConv != null) {
      downsampleConv.initialize(manager, dataType, shapes);
      downsampleBn.initialize(manager, dataType, downsampleConv.getOutputShapes(shapes));
    }
  }
}
