package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Train and test preprocessing, applied as resize, crop, flip, to-tensor, normalize. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TransformsSpec {
  @JsonPropertyDescription("Training augmentation. Default: randomResizedCrop 224, horizontalFlip.")
  public ImageTransformSpec train;

  @JsonPropertyDescription("Evaluation preprocessing. Default: resize 256, centerCrop 224.")
  public ImageTransformSpec test;

  @JsonPropertyDescription("Per-channel normalisation; defaults to ImageNet's mean and std.")
  public NormalizeSpec normalize = new NormalizeSpec();
}
