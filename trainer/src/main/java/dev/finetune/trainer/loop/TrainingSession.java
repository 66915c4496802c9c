package dev.finetune.trainer.loop;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import dev.finetune.trainer.model.ResNet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One network being trained: the DJL Model, Trainer and optimizer around a {@link ResNet}. Opening
 * a session seeds DJL's generator and initialises every parameter torchvision-style; callers then
 * load source weights or a checkpoint before the first step.
 */
public final class TrainingSession implements AutoCloseable {
  private final ResNet net;
  private final Model model;
  private final Trainer trainer;
  private final TorchSgd optimizer;
  private final NDManager optimizerState;
  private final Recipe recipe;

  private TrainingSession(
      ResNet net,
      Model model,
      Trainer trainer,
      TorchSgd optimizer,
      NDManager state,
      Recipe recipe) {
    this.net = net;
    this.model = model;
    this.trainer = trainer;
    this.optimizer = optimizer;
    this.optimizerState = state;
    this.recipe = recipe;
  }

  /**
   * @param xavierHead true for a transferred model's new output layer (Xavier-uniform), false for
   *     torchvision's default nn.Linear init (scratch)
   * @param imageSize the square input size used to initialise shapes
   */
  public static TrainingSession open(
      ResNet net,
      Recipe recipe,
      long seed,
      boolean xavierHead,
      int imageSize,
      Device device,
      List<TrainingListener> listeners) {
    Engine.getInstance().setRandomSeed((int) seed);
    net.useTorchvisionInitialization(xavierHead);
    Model model = Model.newInstance(net.architecture().id(), device);
    model.setBlock(net);
    NDManager state = model.getNDManager().newSubManager();
    Map<String, String> namesById = new HashMap<>();
    net.namedParameters().forEach((name, p) -> namesById.put(p.getId(), name));
    TorchSgd sgd =
        new TorchSgd(
            recipe::learningRateOf, recipe.weightDecay(), recipe.momentum(), namesById, state);
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(new CrossEntropy(recipe.lossReduction()))
            .optOptimizer(sgd)
            .optDevices(new Device[] {device});
    listeners.forEach(config::addTrainingListeners);
    Trainer trainer;
    try {
      trainer = model.newTrainer(config);
      trainer.initialize(new Shape(2, 3, imageSize, imageSize));
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    return new TrainingSession(net, model, trainer, sgd, state, recipe);
  }

  /** Applies the recipe's freeze list; call after loading weights and before the first step. */
  public void applyFreeze() {
    net.freeze(recipe.freeze());
  }

  /** Base learning rate of the recipe, for messages. */
  public double optimizerLearningRate() {
    return recipe.learningRate();
  }

  /** True when the loss is summed over the batch rather than averaged. */
  public boolean lossIsSummed() {
    return recipe.lossReduction() == dev.finetune.api.v1alpha1.spec.LossReduction.SUM;
  }

  public ResNet net() {
    return net;
  }

  public Trainer trainer() {
    return trainer;
  }

  public TorchSgd optimizer() {
    return optimizer;
  }

  public NDManager manager() {
    return trainer.getManager();
  }

  /**
   * One optimisation step on a batch already on the device.
   *
   * @return the loss (as the recipe reduces it) and the number of correct predictions
   */
  public StepOutcome step(NDArray images, NDArray labels) {
    float loss;
    long correct;
    // Every intermediate (activations, logits, loss) lands in this scope and is freed with it,
    // whatever manager the caller's batch lives in.
    try (NDManager scope = trainer.getManager().newSubManager()) {
      scope.tempAttachAll(images, labels);
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDList predictions = trainer.forward(new NDList(images));
        NDArray lossValue = trainer.getLoss().evaluate(new NDList(labels), predictions);
        collector.backward(lossValue);
        loss = lossValue.getFloat();
        correct = countCorrect(predictions.singletonOrThrow(), labels);
      }
      optimizer.step(net.namedParameters());
    }
    return new StepOutcome(loss, correct);
  }

  /** Number of correct eval-mode predictions; intermediates are freed before returning. */
  public long countCorrectPredictions(NDArray images, NDArray labels) {
    try (NDManager scope = trainer.getManager().newSubManager()) {
      scope.tempAttachAll(images, labels);
      return countCorrect(predict(images), labels);
    }
  }

  /**
   * Correct eval-mode predictions and the summed cross-entropy of a batch; intermediates are freed
   * before returning.
   */
  public EvalOutcome evaluateBatch(NDArray images, NDArray labels) {
    try (NDManager scope = trainer.getManager().newSubManager()) {
      scope.tempAttachAll(images, labels);
      NDArray logits = predict(images);
      double lossSum =
          new CrossEntropy(dev.finetune.api.v1alpha1.spec.LossReduction.SUM)
              .evaluate(new NDList(labels), new NDList(logits))
              .getFloat();
      return new EvalOutcome(countCorrect(logits, labels), lossSum);
    }
  }

  /** Correct predictions and summed loss of one evaluated batch. */
  public record EvalOutcome(long correct, double lossSum) {}

  /** Eval-mode logits (BatchNorm uses running statistics; nothing is updated). */
  public NDArray predict(NDArray images) {
    return trainer.evaluate(new NDList(images)).singletonOrThrow();
  }

  static long countCorrect(NDArray logits, NDArray labels) {
    NDArray predicted = logits.argMax(1);
    return predicted.eq(labels.toType(predicted.getDataType(), false)).countNonzero().getLong();
  }

  /** Loss and correct predictions of one step. */
  public record StepOutcome(float loss, long correct) {}

  @Override
  public void close() {
    try {
      trainer.close();
    } finally {
      optimizerState.close();
      model.close();
    }
  }
}
