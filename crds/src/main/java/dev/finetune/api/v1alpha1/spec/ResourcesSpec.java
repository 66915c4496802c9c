package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Trainer pod resources. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourcesSpec {
  @Min(0)
  @Max(8)
  @JsonPropertyDescription("nvidia.com/gpu to request; 0 trains on CPU.")
  public Integer gpus = 0;

  @JsonPropertyDescription("CPU request and limit, Kubernetes quantity (e.g. \"4\").")
  public String cpu;

  @JsonPropertyDescription("Memory request and limit, Kubernetes quantity (e.g. \"8Gi\").")
  public String memory;
}
