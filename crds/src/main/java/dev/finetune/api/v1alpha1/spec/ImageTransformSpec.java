package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * One preprocessing chain. Steps run in this order: resize, centerCrop, randomResizedCrop,
 * horizontalFlip. Grey images are expanded to three channels.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageTransformSpec {
  @JsonPropertyDescription(
      "torchvision Resize, bilinear and antialiased as PIL. Two forms: n"
          + " (Resize(n): the shorter side becomes n pixels, the aspect ratio is kept) or [height,"
          + " width] (Resize([h, w]): both sides are set, the aspect ratio is not kept; d2l's test"
          + " transform is [256, 256]). Each side 1-4096.")
  public ResizeSpec resize;

  @Min(1)
  @Max(4096)
  @JsonPropertyDescription("torchvision CenterCrop(n).")
  public Integer centerCrop;

  @Min(1)
  @Max(4096)
  @JsonPropertyDescription(
      "torchvision RandomResizedCrop(n): scale 0.08-1, log-uniform ratio"
          + " 3/4-4/3, 10 attempts, then the central-crop fallback. Train only.")
  public Integer randomResizedCrop;

  @JsonPropertyDescription("torchvision RandomHorizontalFlip(0.5). Train only.")
  public Boolean horizontalFlip;
}
