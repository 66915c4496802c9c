package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Supported networks; both follow torchvision's module layout and parameter names. */
public enum Architecture {
  @JsonProperty("resnet18")
  RESNET18(List.of(2, 2, 2, 2)),
  @JsonProperty("resnet34")
  RESNET34(List.of(3, 4, 6, 3));

  private final List<Integer> blocksPerStage;

  Architecture(List<Integer> blocksPerStage) {
    this.blocksPerStage = blocksPerStage;
  }

  /** Number of BasicBlocks in layer1..layer4. */
  public List<Integer> blocksPerStage() {
    return blocksPerStage;
  }

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
