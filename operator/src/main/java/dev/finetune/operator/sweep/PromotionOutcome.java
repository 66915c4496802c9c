package dev.finetune.operator.sweep;

import dev.finetune.api.v1alpha1.sweep.BestTrial;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import java.util.Locale;
import java.util.Optional;

/**
 * What promotion did when the sweep ended, as the Promoted condition says it: Promoted (with the
 * model's URI), or why not. Only StorageUnavailable is tried again.
 */
record PromotionOutcome(boolean promoted, String reason, String message, String modelUri) {
  static final String CONDITION = "Promoted";
  static final String PROMOTED = "Promoted";
  static final String BELOW_MIN_DELTA = "BelowMinDelta";
  static final String NO_BEST_TRIAL = "NoBestTrial";
  static final String BEST_TAKEN = "BestTaken";
  static final String STORAGE_UNAVAILABLE = "StorageUnavailable";

  static PromotionOutcome promoted(String modelUri, String message) {
    return new PromotionOutcome(true, PROMOTED, message, modelUri);
  }

  static PromotionOutcome not(String reason, String message) {
    return new PromotionOutcome(false, reason, message, null);
  }

  boolean retry() {
    return STORAGE_UNAVAILABLE.equals(reason);
  }

  /**
   * Pure: the outcome decided before any storage call (no best trial, or a gain below
   * promotion.minDelta); empty when the best trial's model is to be copied.
   */
  static Optional<PromotionOutcome> decide(FineTuneSweepSpec spec, Optional<BestTrial> best) {
    if (best.isEmpty()) {
      return Optional.of(
          not(
              NO_BEST_TRIAL,
              "no trial succeeded with a " + "measured objective; nothing promoted"));
    }
    Double minDelta = spec.promotion == null ? null : spec.promotion.minDelta;
    Double gain = best.get().accuracyGain;
    if (minDelta != null && (gain == null || gain < minDelta)) {
      return Optional.of(
          not(
              BELOW_MIN_DELTA,
              "best trial "
                  + best.get().name
                  + " gains "
                  + (gain == null ? "nothing measurable" : String.format(Locale.ROOT, "%.4f", gain))
                  + " test accuracy over the baseline, below spec.promotion.minDelta "
                  + String.format(Locale.ROOT, "%.4f", minDelta)
                  + "; nothing promoted"));
    }
    return Optional.empty();
  }
}
