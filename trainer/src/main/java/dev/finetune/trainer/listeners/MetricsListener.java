package dev.finetune.trainer.listeners;

import dev.finetune.trainer.loop.EpochMetrics;
import dev.finetune.trainer.loop.RunState;
import dev.finetune.trainer.loop.TrainingEvents;
import dev.finetune.trainer.telemetry.TrainingMetrics;
import java.time.Duration;

/** Feeds loop events into the Prometheus series served by {@link TrainingMetrics}. */
public final class MetricsListener implements TrainingEvents {
  private final TrainingMetrics metrics;

  public MetricsListener(TrainingMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void runStarted(String run, int totalEpochs, long totalSteps, RunState from) {
    metrics.runStarted(run, totalEpochs, totalSteps);
  }

  @Override
  public void stepCompleted(String run, StepEvent s) {
    metrics.stepCompleted(
        run,
        s.step(),
        s.epoch(),
        s.loss(),
        s.images(),
        Duration.ofNanos(s.nanos()),
        s.etaSeconds());
  }

  @Override
  public void imagesSkipped(String run, int count) {
    metrics.badImagesSkipped(count);
  }

  @Override
  public void epochCompleted(String run, EpochMetrics m, RunState state) {
    metrics.epochCompleted(
        run,
        m.epoch(),
        m.trainLoss(),
        m.trainAccuracy(),
        m.testAccuracy(),
        m.validationAccuracy(),
        m.validationLoss(),
        m.imagesPerSecond());
  }
}
