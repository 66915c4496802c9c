package dev.finetune.trainer.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torch.nn.BatchNorm2d (eps 1e-5, momentum 0.1) that can be frozen: a frozen layer always
 * normalises with its running statistics and never updates them, even while the rest of the network
 * trains. This is what "freeze the front layers" needs for few-shot transfer.
 */
final class FreezableBatchNorm extends AbstractBlock {
  private final BatchNorm norm;
  private boolean frozen;

  FreezableBatchNorm() {
    // DJL's momentum is the weight of the old value: 0.9 here is torch's momentum=0.1.
    norm = addChildBlock("bn", BatchNorm.builder().optEpsilon(1e-5f).optMomentum(0.9f).build());
  }

  void setFrozen(boolean frozen) {
    this.frozen = frozen;
  }

  Parameter weight() {
    return norm.getDirectParameters().get("gamma");
  }

  Parameter bias() {
    return norm.getDirectParameters().get("beta");
  }

  Parameter runningMean() {
    return norm.getDirectParameters().get("runningMean");
  }

  Parameter runningVar() {
    return norm.getDirectParameters().get("runningVar");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return norm.forward(store, inputs, training && !frozen, params);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    norm.initialize(manager, dataType, shapes);
  }
}
