package dev.finetune.trainer.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.finetune.api.v1alpha1.spec.LossReduction;

/**
 * torch.nn.CrossEntropyLoss on logits and integer labels, with reduction "mean" or "sum". With
 * "sum" the gradient is summed over the batch, as d2l's fine-tuning recipe does with {@code
 * loss(reduction="none")(...).sum().backward()}.
 */
public final class CrossEntropy extends Loss {
  private final LossReduction reduction;

  public CrossEntropy(LossReduction reduction) {
    super("cross_entropy");
    this.reduction = reduction;
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.singletonOrThrow();
    NDArray label = labels.singletonOrThrow().toType(ai.djl.ndarray.types.DataType.INT64, false);
    NDArray logProb = logits.logSoftmax(1);
    NDArray picked = logProb.gather(label.reshape(-1, 1), 1).neg();
    return reduction == LossReduction.SUM ? picked.sum() : picked.mean();
  }
}
