package dev.finetune.trainer.loop;

/**
 * Metrics of one completed epoch. testAccuracy is NaN when the test split was not evaluated after
 * this epoch (see training.evalEveryEpochs); validationAccuracy and validationLoss (mean
 * cross-entropy per image) are NaN then too, and always without spec.dataset.validation.
 */
public record EpochMetrics(
    int epoch,
    long step,
    double trainLoss,
    double trainAccuracy,
    double testAccuracy,
    double validationAccuracy,
    double validationLoss,
    double imagesPerSecond,
    double seconds) {}
