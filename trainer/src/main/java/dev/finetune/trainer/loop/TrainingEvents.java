package dev.finetune.trainer.loop;

/**
 * Hooks the loop calls; each listener does one job (progress bar, metrics, checkpoints, divergence
 * check). A listener may throw a TrainerException to stop the run.
 */
public interface TrainingEvents {
  /** A run ("finetune" or "baseline") starts or resumes. */
  default void runStarted(String run, int totalEpochs, long totalSteps, RunState from) {}

  /** One optimisation step finished. */
  default void stepCompleted(String run, StepEvent step) {}

  /** An epoch finished; {@code state} is the position at its end. */
  default void epochCompleted(String run, EpochMetrics metrics, RunState state) {}

  /** Undecodable training images were skipped during the epoch that just ended. */
  default void imagesSkipped(String run, int count) {}

  /** The run is being stopped (SIGTERM): persist {@code state} now if you can. */
  default void stopRequested(String run, RunState state) {}

  /** The run finished all its epochs. */
  default void runFinished(String run, RunState state) {}

  /**
   * One step.
   *
   * @param epoch zero-based epoch
   * @param batch zero-based batch in the epoch
   * @param step global step count after this step
   * @param totalSteps steps of the whole run
   * @param loss this step's loss
   * @param images images in this step
   * @param nanos wall time of this step, data wait included
   * @param imagesPerSecond smoothed throughput
   * @param etaSeconds estimated time until the run ends
   */
  record StepEvent(
      int epoch,
      int batch,
      long step,
      long totalSteps,
      double loss,
      int images,
      long nanos,
      double imagesPerSecond,
      double etaSeconds) {}
}
