package dev.finetune.trainer.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.batch.BadImagePolicy;
import dev.finetune.trainer.data.batch.BatchStream;
import dev.finetune.trainer.data.batch.HostBatch;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.error.TrainerException;
import java.util.List;

/**
 * The training loop of one run: for each epoch, stream augmented batches, step, notify listeners,
 * evaluate on the test split (and the validation split, if any), repeat. Resumes mid-epoch from a
 * {@link RunState}.
 */
public final class RunLoop {
  /** Data and loop settings of a run. */
  public record Plan(
      String run,
      Split train,
      Split test,
      Split validation,
      ImagePipeline trainPipeline,
      ImagePipeline testPipeline,
      int epochs,
      int batchSize,
      int evalEveryEpochs,
      long seed,
      int dataWorkers,
      int maxBadImagesPercent) {}

  /** Normalized inputs larger than this make a diverging loss more likely than the rate. */
  static final double SCALED_INPUT = 20;

  private final Plan plan;
  private final TrainingSession session;
  private final List<TrainingEvents> listeners;
  private final StopSignal stop;

  public RunLoop(
      Plan plan, TrainingSession session, List<TrainingEvents> listeners, StopSignal stop) {
    this.plan = plan;
    this.session = session;
    this.listeners = List.copyOf(listeners);
    this.stop = stop;
  }

  public static long stepsPerEpoch(Plan plan) {
    return BatchStream.batchesPerEpoch(plan.train().size(), plan.batchSize());
  }

  /** Runs from {@code from} to the last epoch and returns the final state. */
  public RunState run(RunState from) {
    long perEpoch = stepsPerEpoch(plan);
    long totalSteps = perEpoch * plan.epochs();
    listeners.forEach(l -> l.runStarted(plan.run(), plan.epochs(), totalSteps, from));
    RunState state = from;
    Throughput throughput = new Throughput();
    while (state.epoch() < plan.epochs()) {
      long epochStart = System.nanoTime();
      long imagesAtStart = state.seen();
      try (BatchStream batches =
          BatchStream.training(
              plan.train(),
              plan.trainPipeline(),
              plan.batchSize(),
              plan.seed(),
              state.epoch(),
              state.batch(),
              plan.dataWorkers(),
              new BadImagePolicy(plan.maxBadImagesPercent()))) {
        long last = System.nanoTime();
        while (batches.hasNext()) {
          if (stop.requested()) {
            RunState at = state;
            listeners.forEach(l -> l.stopRequested(plan.run(), at));
            throw new StopSignal.Preempted(
                plan.run() + " stopped at epoch " + (state.epoch() + 1) + ", step " + state.step());
          }
          HostBatch batch = batches.next();
          TrainingSession.StepOutcome out = step(batch);
          if (!Double.isFinite(out.loss())) {
            throw new TrainerException(
                ExitCode.DIVERGED,
                plan.run()
                    + ": loss is "
                    + out.loss()
                    + " at epoch "
                    + (state.epoch() + 1)
                    + ", step "
                    + (state.step() + 1)
                    + "; "
                    + (plan.trainPipeline().maxInputMagnitude() > SCALED_INPUT
                        ? "spec.transforms.normalize scales pixels up to "
                            + Math.round(plan.trainPipeline().maxInputMagnitude())
                            + " times (std too small?); fix it first, then"
                            + " consider spec.training.learningRate (now "
                            + session.optimizerLearningRate()
                            + ")"
                        : "lower spec.training.learningRate (now "
                            + session.optimizerLearningRate()
                            + ") or use lossReduction: mean"));
          }
          long now = System.nanoTime();
          throughput.add(batch.count(), now - last);
          double perImageLossSum = session.lossIsSummed() ? out.loss() : out.loss() * batch.count();
          state = state.afterBatch(batch.index(), perImageLossSum, out.correct(), batch.count());
          double eta = (totalSteps - state.step()) * throughput.secondsPerStep();
          TrainingEvents.StepEvent event =
              new TrainingEvents.StepEvent(
                  state.epoch(),
                  batch.index(),
                  state.step(),
                  totalSteps,
                  out.loss(),
                  batch.count(),
                  now - last,
                  throughput.imagesPerSecond(),
                  eta);
          String run = plan.run();
          listeners.forEach(l -> l.stepCompleted(run, event));
          last = System.nanoTime();
        }
        int skipped = batches.skipped();
        if (skipped > 0) {
          listeners.forEach(l -> l.imagesSkipped(plan.run(), skipped));
        }
      }
      double seconds = (System.nanoTime() - epochStart) / 1e9;
      int epochNumber = state.epoch() + 1;
      boolean evaluate = epochNumber % plan.evalEveryEpochs() == 0 || epochNumber == plan.epochs();
      double testAccuracy = evaluate ? evaluate() : Double.NaN;
      Evaluation validation =
          evaluate && plan.validation() != null ? evaluate(plan.validation()) : Evaluation.NONE;
      EpochMetrics metrics =
          new EpochMetrics(
              epochNumber,
              state.step(),
              state.lossSum() / Math.max(1, state.seen()),
              state.seen() == 0 ? 0 : (double) state.correct() / state.seen(),
              testAccuracy,
              validation.accuracy(),
              validation.loss(),
              (state.seen() - imagesAtStart) / Math.max(seconds, 1e-9),
              seconds);
      state = state.endEpoch(metrics);
      RunState end = state;
      listeners.forEach(l -> l.epochCompleted(plan.run(), metrics, end));
    }
    RunState end = state;
    listeners.forEach(l -> l.runFinished(plan.run(), end));
    return state;
  }

  private TrainingSession.StepOutcome step(HostBatch batch) {
    try (NDManager scope = session.manager().newSubManager()) {
      NDArray x =
          scope.create(batch.pixels(), new Shape(batch.count(), 3, batch.height(), batch.width()));
      NDArray y = scope.create(batch.labels());
      return session.step(x, y);
    }
  }

  /** Test accuracy with eval-mode BatchNorm, never augmented. */
  public double evaluate() {
    return evaluate(plan.test()).accuracy();
  }

  /**
   * Accuracy and mean cross-entropy per image of a split, with eval-mode BatchNorm and the test
   * transforms (never augmented).
   */
  public Evaluation evaluate(Split split) {
    long correct = 0;
    long total = 0;
    double lossSum = 0;
    try (BatchStream batches =
        BatchStream.evaluation(split, plan.testPipeline(), plan.batchSize(), plan.dataWorkers())) {
      while (batches.hasNext()) {
        HostBatch batch = batches.next();
        try (NDManager scope = session.manager().newSubManager()) {
          NDArray x =
              scope.create(
                  batch.pixels(), new Shape(batch.count(), 3, batch.height(), batch.width()));
          NDArray y = scope.create(batch.labels());
          TrainingSession.EvalOutcome out = session.evaluateBatch(x, y);
          correct += out.correct();
          lossSum += out.lossSum();
          total += batch.count();
        }
      }
    }
    return total == 0
        ? new Evaluation(0, Double.NaN)
        : new Evaluation((double) correct / total, lossSum / total);
  }

  /** Accuracy (0-1) and mean loss per image of one evaluated split. */
  public record Evaluation(double accuracy, double loss) {
    static final Evaluation NONE = new Evaluation(Double.NaN, Double.NaN);
  }

  /** Exponentially smoothed images/s and seconds per step. */
  private static final class Throughput {
    private double secondsPerStep = Double.NaN;
    private double imagesPerSecond = Double.NaN;

    void add(int images, long nanos) {
      double s = nanos / 1e9;
      double ips = images / Math.max(s, 1e-9);
      secondsPerStep = Double.isNaN(secondsPerStep) ? s : 0.9 * secondsPerStep + 0.1 * s;
      imagesPerSecond = Double.isNaN(imagesPerSecond) ? ips : 0.9 * imagesPerSecond + 0.1 * ips;
    }

    double secondsPerStep() {
      return Double.isNaN(secondsPerStep) ? 0 : secondsPerStep;
    }

    double imagesPerSecond() {
      return Double.isNaN(imagesPerSecond) ? 0 : imagesPerSecond;
    }
  }
}
