package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** What to train: source model, data, transforms, recipe, baseline, checkpoints, resources. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = FineTuneJobSpec.IMMUTABLE_EXCEPT_SUSPEND,
    message = "spec is immutable except spec.suspend: create a new FineTuneJob to change it",
    reason = "FieldValueForbidden")
public class FineTuneJobSpec {
  /**
   * CEL transition rule: every field but suspend keeps its value (and its presence). Keep in step
   * with the fields below; {@code FineTuneJobSpecTest} fails when a field is missing here.
   */
  public static final String IMMUTABLE_EXCEPT_SUSPEND =
      "(has(self.model) ? has(oldSelf.model) && self.model == oldSelf.model : !has(oldSelf.model))"
          + " && (has(self.dataset) ? has(oldSelf.dataset) && self.dataset == oldSelf.dataset : !has(oldSelf.dataset))"
          + " && (has(self.transforms) ? has(oldSelf.transforms) && self.transforms == oldSelf.transforms : !has(oldSelf.transforms))"
          + " && (has(self.training) ? has(oldSelf.training) && self.training == oldSelf.training : !has(oldSelf.training))"
          + " && (has(self.baseline) ? has(oldSelf.baseline) && self.baseline == oldSelf.baseline : !has(oldSelf.baseline))"
          + " && (has(self.checkpoints) ? has(oldSelf.checkpoints) && self.checkpoints == oldSelf.checkpoints : !has(oldSelf.checkpoints))"
          + " && (has(self.resources) ? has(oldSelf.resources) && self.resources == oldSelf.resources : !has(oldSelf.resources))"
          + " && (has(self.backoffLimit) ? has(oldSelf.backoffLimit) && self.backoffLimit == oldSelf.backoffLimit : !has(oldSelf.backoffLimit))"
          + " && (has(self.queueName) ? has(oldSelf.queueName) && self.queueName == oldSelf.queueName : !has(oldSelf.queueName))"
          + " && (has(self.nodeSelector) ? has(oldSelf.nodeSelector) && self.nodeSelector == oldSelf.nodeSelector : !has(oldSelf.nodeSelector))"
          + " && (has(self.tolerations) ? has(oldSelf.tolerations) && self.tolerations == oldSelf.tolerations : !has(oldSelf.tolerations))"
          + " && (has(self.affinity) ? has(oldSelf.affinity) && self.affinity == oldSelf.affinity : !has(oldSelf.affinity))"
          + " && (has(self.priorityClassName) ? has(oldSelf.priorityClassName) && self.priorityClassName == oldSelf.priorityClassName : !has(oldSelf.priorityClassName))"
          + " && (has(self.ttlSecondsAfterFinished) ? has(oldSelf.ttlSecondsAfterFinished) && self.ttlSecondsAfterFinished == oldSelf.ttlSecondsAfterFinished : !has(oldSelf.ttlSecondsAfterFinished))"
          + " && (has(self.artifactPolicy) ? has(oldSelf.artifactPolicy) && self.artifactPolicy == oldSelf.artifactPolicy : !has(oldSelf.artifactPolicy))"
          + " && (has(self.registry) ? has(oldSelf.registry) && self.registry == oldSelf.registry : !has(oldSelf.registry))"
          + " && (has(self.image) ? has(oldSelf.image) && self.image == oldSelf.image : !has(oldSelf.image))";

  @Required
  @JsonPropertyDescription("The network and where its starting weights come from.")
  public ModelSpec model = new ModelSpec();

  @Required
  @JsonPropertyDescription("The target dataset: its format, train and test locations, classes.")
  public DatasetSpec dataset = new DatasetSpec();

  @JsonPropertyDescription(
      "Image preprocessing for training and evaluation (torchvision semantics).")
  public TransformsSpec transforms = new TransformsSpec();

  @JsonPropertyDescription("The optimisation recipe: epochs, batch size, learning rates, freezing.")
  public TrainingSpec training = new TrainingSpec();

  @JsonPropertyDescription("Optional comparison run: the same network trained from random weights.")
  public BaselineSpec baseline;

  @JsonPropertyDescription(
      "Where and how often checkpoints are written; omit to keep them only"
          + " in the local output directory.")
  public CheckpointSpec checkpoints;

  @JsonPropertyDescription("Compute requested for the trainer pod.")
  public ResourcesSpec resources = new ResourcesSpec();

  @JsonPropertyDescription("true stops the trainer after a checkpoint; false resumes it.")
  public Boolean suspend = false;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription(
      "Retryable trainer failures (storage outage, out of memory, a lost"
          + " pod) tolerated before the job fails. Preemptions and evictions are counted apart, in"
          + " status.preemptions, and never use this up. Each retry resumes from the newest"
          + " checkpoint.")
  public Integer backoffLimit = DEFAULT_BACKOFF_LIMIT;

  /** {@link #backoffLimit} when the field is absent. */
  public static final int DEFAULT_BACKOFF_LIMIT = 3;

  @JsonPropertyDescription(
      "Kueue LocalQueue to submit the trainer Job to. Sets the label"
          + " kueue.x-k8s.io/queue-name and creates the Job suspended, so Kueue admits it.")
  public String queueName;

  @JsonPropertyDescription("Node labels the trainer pod must match (pod spec.nodeSelector).")
  public Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of the trainer pod, e.g. for GPU node taints.")
  public List<Toleration> tolerations;

  @JsonPropertyDescription("Node and pod affinity of the trainer pod.")
  public Affinity affinity;

  @JsonPropertyDescription(
      "PriorityClass of the trainer pod; lower priorities may be preempted,"
          + " and a preempted attempt resumes from the newest checkpoint.")
  public String priorityClassName;

  @Min(0)
  @JsonPropertyDescription(
      "Seconds after this FineTuneJob reached Succeeded or Failed before the"
          + " operator deletes it (and with it its trainer Jobs); trainer Jobs also get it as their"
          + " Job spec.ttlSecondsAfterFinished. Omit to keep finished jobs.")
  public Integer ttlSecondsAfterFinished;

  @JsonPropertyDescription(
      "Retain (default) keeps checkpoints and the final model in object"
          + " storage when the FineTuneJob is deleted; Delete removes every object under"
          + " checkpoints.uri before the operator's finalizer lets the FineTuneJob go.")
  public ArtifactPolicy artifactPolicy;

  @JsonPropertyDescription(
      "Model registries to register the final model in once the job"
          + " succeeded; registration never changes the job's phase (condition Registered).")
  public RegistrySpec registry;

  @JsonPropertyDescription(
      "Trainer container image; defaults to the operator's" + " finetune.operator.trainer-image.")
  public String image;
}
