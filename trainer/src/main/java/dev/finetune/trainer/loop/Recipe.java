package dev.finetune.trainer.loop;

import dev.finetune.api.v1alpha1.spec.LossReduction;
import java.util.List;

/**
 * The optimisation settings of one run (fine-tune or baseline), already validated.
 *
 * @param learningRate base SGD learning rate
 * @param headLearningRateMultiplier factor for the output layer's learning rate (1 = none)
 * @param weightDecay L2 penalty added to every trained parameter's gradient
 * @param momentum SGD momentum
 * @param lossReduction mean or sum over the batch
 * @param freeze torchvision module prefixes whose weights and BN statistics stay fixed
 */
public record Recipe(
    double learningRate,
    double headLearningRateMultiplier,
    double weightDecay,
    double momentum,
    LossReduction lossReduction,
    List<String> freeze) {

  public Recipe {
    freeze = List.copyOf(freeze);
  }

  /** Learning rate of one parameter, by torchvision name. */
  public double learningRateOf(String parameterName) {
    return parameterName.startsWith(dev.finetune.trainer.model.ResNet.HEAD + ".")
        ? learningRate * headLearningRateMultiplier
        : learningRate;
  }
}
