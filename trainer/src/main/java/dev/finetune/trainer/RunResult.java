package dev.finetune.trainer;

import dev.finetune.trainer.loop.EpochMetrics;
import java.util.List;

/**
 * Outcome of one run (the fine-tune, or the from-scratch baseline), as written to result.json.
 *
 * @param run "finetune" or "baseline"
 * @param initialization "pretrained:URI" or "scratch"
 * @param epochs per-epoch metrics
 * @param testAccuracy test accuracy after the last epoch
 * @param modelUri where the final model was written
 * @param checkpoints checkpoint URIs written or resumed from, oldest first
 * @param resumedFromStep the step a restarted attempt resumed from, or 0
 */
public record RunResult(
    String run,
    String initialization,
    List<EpochMetrics> epochs,
    double testAccuracy,
    String modelUri,
    List<String> checkpoints,
    long resumedFromStep) {}
