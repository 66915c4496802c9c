package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What a trial is judged by. Only validation-split metrics are allowed: choosing hyperparameters on
 * the test split inflates the reported test accuracy.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SweepObjective {
  /** The metrics a sweep may optimise. */
  public enum Metric {
    @JsonProperty("validationAccuracy")
    VALIDATION_ACCURACY,
    @JsonProperty("validationLoss")
    VALIDATION_LOSS
  }

  /** Which way is better. */
  public enum Direction {
    @JsonProperty("maximize")
    MAXIMIZE,
    @JsonProperty("minimize")
    MINIMIZE
  }

  @JsonPropertyDescription(
      "validationAccuracy or validationLoss, measured on the validation"
          + " split held out from the training data (never the test split).")
  public Metric metric = Metric.VALIDATION_ACCURACY;

  @JsonPropertyDescription("maximize or minimize.")
  public Direction direction = Direction.MAXIMIZE;
}
