package dev.finetune.trainer.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
 * parameter groups. Momentum buffers are kept by parameter name so checkpoints can save and
 * restore them. DJL's built-in Sgd delegates to a native kernel whose weight-decay and momentum
 * ordering is not documented, so the update is written out here.
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

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    String name = namesById.getOrDefault(parameterId, parameterId);
    float lr = (float) learningRate.applyAsDouble(name);
    try (NDManager scope = weight.getManager().newSubManager()) {
      // Temporaries derived from weight or grad land in scope and die with it.
      scope.tempAttachAll(weight, grad);
      NDArray g = weightDecay != 0f ? grad.add(weight.mul(weightDecay)) : grad;
      if (momentum != 0f) {
        NDArray buf = buffers.get(name);
        if (buf == null) {
          buf = g.duplicate();
          buf.attach(stateManager);
          buffers.put(name, buf);
        } else {
          buf.muli(momentum).addi(g);
        }
        g = buf;
      }
      NDArray step = g.mul(lr);
      step.attach(scope);
      weight.subi(step);
    }
    // PyTorch accumulates into .grad: clear it for the next step, as DJL's native update does.
    try (NDArray accumulated = weight.getGradient()) {
      accumulated.subi(accumulated);
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
