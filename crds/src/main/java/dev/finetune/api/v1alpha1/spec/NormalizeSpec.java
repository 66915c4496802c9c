package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Per-channel (x - mean) / std on RGB values scaled to [0, 1]. */
public class NormalizeSpec {
  @JsonPropertyDescription("Three channel means (RGB). Default: ImageNet's 0.485, 0.456, 0.406.")
  public List<Double> mean = List.of(0.485, 0.456, 0.406);

  @JsonPropertyDescription(
      "Three channel standard deviations, each > 0. Default: ImageNet's" + " 0.229, 0.224, 0.225.")
  public List<Double> std = List.of(0.229, 0.224, 0.225);
}
