package dev.finetune.trainer.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * SGD with torch.optim.SGD's exact semantics (dampening 0, no Nesterov):
 *
 * <pre>
 *   g = grad + weightDecay * w
 *   buf = g (first step) or momentum * buf + g
 *   w -= lr(param) * (momentum == 0 ? g : buf)
 * </pre>
 *
 * Each parameter gets its own learning rate (e.g. 10x on the new output layer), like torch's
 * parameter groups. Momentum buffers are kept by parameter name so checkpoints can save and restore
 * them. DJL's built-in Sgd delegates to a native kernel whose weight-decay and momentum ordering is
 * not documented, so the update is written out here.
 */
public final class TorchSgd extends Optimizer {
  private final ToDoubleFunction<String> learningRate;
  private final float weightDecay;
  private final float momentum;
  private final Map<String, String> namesById;
  private final Map<String, NDArray> buffers = new ConcurrentHashMap<>();
  private final NDManager stateManager;

  /**
   * @param learningRate learning rate per parameter name
   * @param namesById DJL parameter id → torchvision name
   * @param stateManager owns the momentum buffers
   */
  public TorchSgd(
      ToDoubleFunction<String> learningRate,
      double weightDecay,
      double momentum,
      Map<String, String> namesById,
      NDManager stateManager) {
    super(new Builder());
    this.learningRate = learningRate;
    this.weightDecay = (float) weightDecay;
    this.momentum = (float) momentum;
    this.namesById = Map.copyOf(namesById);
    this.stateManager = stateManager;
  }

  /**
   * One step over every parameter that requires a gradient, then clears the gradients: what {@code
   * optimizer.step(); optimizer.zero_grad()} does in PyTorch. Unlike DJL's {@code Trainer.step()},
   * whose parameter server hands the optimizer a copy of each gradient, this works on the gradient
   * itself: per parameter one new tensor when weight decay is on, one for the momentum step, and no
   * copy.
   *
   * @param parameters parameters by torchvision name
   */
  public void step(Map<String, Parameter> parameters) {
    parameters.forEach(
        (name, parameter) -> {
          if (!parameter.requiresGradient()) {
            return; // frozen, or BatchNorm statistics
          }
          NDArray weight = parameter.getArray();
          // getGradient returns a handle on the parameter's .grad storage, not a copy.
          try (NDArray grad = weight.getGradient()) {
            apply(name, weight, grad);
            grad.subi(grad); // zero_grad for the next backward, which accumulates
          }
        });
  }

  /** DJL's entry point ({@code Trainer.step()}); {@link #step(Map)} is the cheaper one. */
  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    apply(namesById.getOrDefault(parameterId, parameterId), weight, grad);
    // PyTorch accumulates into .grad: clear it for the next step (grad may be a copy of it).
    try (NDArray accumulated = weight.getGradient()) {
      accumulated.subi(accumulated);
    }
  }

  /** Updates weight in place; grad is overwritten (it holds grad + weightDecay * w after). */
  private void apply(String name, NDArray weight, NDArray grad) {
    float lr = (float) learningRate.applyAsDouble(name);
    if (weightDecay != 0f) {
      try (NDArray decay = weight.mul(weightDecay)) {
        grad.addi(decay);
      }
    }
    if (momentum == 0f) {
      grad.muli(lr);
      weight.subi(grad);
      return;
    }
    NDArray buf = buffers.get(name);
    if (buf == null) {
      buf = grad.duplicate();
      buf.attach(stateManager);
      buffers.put(name, buf);
    } else {
      buf.muli(momentum).addi(grad);
    }
    try (NDArray step = buf.mul(lr)) {
      weight.subi(step);
    }
  }

  /** Momentum buffers by parameter name (empty when momentum is 0). */
  public Map<String, NDArray> momentumBuffers() {
    return buffers;
  }

  /** Restores momentum buffers saved by a checkpoint. */
  public void restoreMomentumBuffers(Map<String, NDArray> saved) {
    buffers.values().forEach(NDArray::close);
    buffers.clear();
    saved.forEach(
        (name, array) -> {
          NDArray copy = array.duplicate();
          copy.attach(stateManager);
          buffers.put(name, copy);
        });
  }

  private static final class Builder extends OptimizerBuilder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }
}
