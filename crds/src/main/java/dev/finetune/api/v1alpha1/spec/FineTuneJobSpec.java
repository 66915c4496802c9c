package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** What to train: source model, data, transforms, recipe, baseline, checkpoints, resources. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FineTuneJobSpec {
  @Required
  @JsonPropertyDescription("The network and where its starting weights come from.")
  public ModelSpec model = new ModelSpec();

  @Required
  @JsonPropertyDescription("The target dataset: its format, train and test locations, classes.")
  public DatasetSpec dataset = new DatasetSpec();

  @JsonPropertyDescription("Image preprocessing for training and evaluation (torchvision semantics).")
  public TransformsSpec transforms = new TransformsSpec();

  @JsonPropertyDescription("The optimisation recipe: epochs, batch size, learning rates, freezing.")
  public TrainingSpec training = new TrainingSpec();

  @JsonPropertyDescription("Optional comparison run: the same network trained from random weights.")
  public BaselineSpec baseline;

  @JsonPropertyDescription("Where and how often checkpoints are written; omit to keep them only"
      + " in the local output directory.")
  public CheckpointSpec checkpoints;

  @JsonPropertyDescription("Compute requested for the trainer pod.")
  public ResourcesSpec resources = new ResourcesSpec();

  @JsonPropertyDescription("true stops the trainer after a checkpoint; false resumes it.")
  public Boolean suspend = false;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription("Retryable trainer failures (preemption, eviction, storage outage)"
      + " tolerated before the job fails. Each retry resumes from the newest checkpoint.")
  public Integer backoffLimit = 3;
}
