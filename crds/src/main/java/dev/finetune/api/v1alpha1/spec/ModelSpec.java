package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** The network architecture and its source weights. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelSpec {
  @Default("resnet18")
  @JsonPropertyDescription("Network architecture, torchvision layout: resnet18 or resnet34.")
  public Architecture architecture = Architecture.RESNET18;

  @JsonPropertyDescription("Source weights. Omit to train from scratch.")
  public PretrainedSpec pretrained;
}
