package dev.finetune.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Metrics of one run (fine-tune or baseline), as strings to keep the CRD schema simple. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunMetrics {
  @JsonPropertyDescription("Mean training loss of the last epoch.")
  public String trainLoss;

  @JsonPropertyDescription("Training accuracy of the last epoch, 0-1.")
  public String trainAccuracy;

  @JsonPropertyDescription("Test accuracy after the last epoch, 0-1.")
  public String testAccuracy;

  @JsonPropertyDescription(
      "Accuracy on spec.dataset.validation after the newest evaluated"
          + " epoch, 0-1; absent without a validation split.")
  public String validationAccuracy;

  @JsonPropertyDescription(
      "Mean cross-entropy per image on spec.dataset.validation after the"
          + " newest evaluated epoch; absent without a validation split.")
  public String validationLoss;

  @JsonPropertyDescription("The epoch validationAccuracy and validationLoss are from.")
  public Integer validationEpoch;

  @JsonPropertyDescription("Training throughput, images per second.")
  public String imagesPerSecond;
}
