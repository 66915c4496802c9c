package dev.finetune.trainer.listeners;

import dev.finetune.trainer.loop.EpochMetrics;
import dev.finetune.trainer.loop.RunState;
import dev.finetune.trainer.loop.TrainingEvents;
import dev.finetune.trainer.telemetry.ProgressView;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows progress: a bar with epoch, step, loss, images/s and ETA on a terminal; plain periodic log
 * lines in a pod. Prints each epoch's metrics.
 */
public final class ProgressListener implements TrainingEvents {
  private final boolean interactive;
  private final PrintStream out;
  private ProgressView view;
  private int totalEpochs;

  public ProgressListener(boolean interactive, PrintStream out) {
    this.interactive = interactive;
    this.out = out;
  }

  @Override
  public void runStarted(String run, int totalEpochs, long totalSteps, RunState from) {
    this.totalEpochs = totalEpochs;
    view = new ProgressView(run, totalSteps, out, interactive);
    if (from.step() > 0) {
      view.message(
          String.format(
              Locale.ROOT,
              "%s: resumed with %d epoch(s) done, step %d",
              run,
              from.epoch(),
              from.step()));
    }
  }

  @Override
  public void stepCompleted(String run, StepEvent s) {
    view.update(s.epoch() + 1, totalEpochs, s.step(), s.loss(), s.imagesPerSecond());
  }

  @Override
  public void epochCompleted(String run, EpochMetrics m, RunState state) {
    String test =
        Double.isNaN(m.testAccuracy()) ? "-" : String.format(Locale.ROOT, "%.4f", m.testAccuracy());
    String validation =
        Double.isNaN(m.validationAccuracy())
            ? ""
            : String.format(
                Locale.ROOT,
                ", val acc %.4f (loss %.4f)",
                m.validationAccuracy(),
                m.validationLoss());
    view.message(
        String.format(
            Locale.ROOT,
            "%s epoch %d/%d: train loss %.4f, train acc %.4f, test acc %s%s, %.1f img/s, %.1f s",
            run,
            m.epoch(),
            totalEpochs,
            m.trainLoss(),
            m.trainAccuracy(),
            test,
            validation,
            m.imagesPerSecond(),
            m.seconds()));
  }

  @Override
  public void stopRequested(String run, RunState state) {
    close();
  }

  @Override
  public void runFinished(String run, RunState state) {
    close();
  }

  private void close() {
    if (view != null) {
      view.close();
      view = null;
    }
  }
}
