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
  @Min(1)
  @Max(4096)
  @JsonPropertyDescription("torchvision Resize(n): the shorter side becomes n pixels (bilinear,"
      + " antialiased).")
  public Integer resize;

  @Min(1)
  @Max(4096)
  @JsonPropertyDescription("torchvision CenterCrop(n).")
  public Integer centerCrop;

  @Min(1)
  @Max(4096)
  @JsonPropertyDescription("torchvision RandomResizedCrop(n): scale 0.08-1, log-uniform ratio"
      + " 3/4-4/3, 10 attempts, then the central-crop fallback. Train only.")
  public Integer randomResizedCrop;

  @JsonPropertyDescription("torchvision RandomHorizontalFlip(0.5). Train only.")
  public Boolean horizontalFlip;
}
