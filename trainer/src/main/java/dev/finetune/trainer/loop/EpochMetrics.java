package dev.finetune.trainer.loop;

/**
 * Metrics of one completed epoch. testAccuracy is NaN when the test split was not evaluated
 * after this epoch (see training.evalEveryEpochs).
 */
public record EpochMetrics(
    int epoch,
    long step,
    double trainLoss,
    double trainAccuracy,
    double testAccuracy,
    double imagesPerSecond,
    double seconds) {}
