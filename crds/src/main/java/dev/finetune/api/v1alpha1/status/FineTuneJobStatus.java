package dev.finetune.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a FineTuneJob. Everything here is derived from observation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FineTuneJobStatus {
  @JsonPropertyDescription(
      "Pending, Running, Suspended, Succeeded or Failed; derived from" + " conditions.")
  public String phase;

  @JsonPropertyDescription("metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Standard conditions (type, status, reason, message,"
          + " lastTransitionTime, observedGeneration).")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Training progress of the fine-tune run.")
  public Progress progress;

  @JsonPropertyDescription("Latest metrics of the fine-tune run.")
  public RunMetrics metrics;

  @JsonPropertyDescription("Latest metrics of the from-scratch baseline, if requested.")
  public RunMetrics baseline;

  @JsonPropertyDescription(
      "Test accuracy of the fine-tune run minus the baseline's, from the"
          + " trainer's final result; absent without a baseline.")
  public String accuracyGain;

  @JsonPropertyDescription(
      "With training.recipe: auto, the probe's choice in one line (e.g. 'auto: freeze layer2,"
          + " head x10 (validation 0.8500, best of 12 candidates ...)'), from the trainer's"
          + " final result; the candidate table is in result.json and the model card.")
  public String recipe;

  @JsonPropertyDescription(
      "Where the final progress, metrics, baseline and accuracyGain were"
          + " read when the job succeeded: TerminationMessage (the trainer container's) or"
          + " ObjectStorage (<checkpoints.uri>/model/result.json). They equal the trainer's"
          + " result.json. Absent while the job runs: then the numbers are the trainer's /metrics,"
          + " read every finetune.operator.metrics-interval and rounded to 4 decimals.")
  public String resultSource;

  @JsonPropertyDescription(
      "Newest checkpoint in object storage whose manifest parses and whose"
          + " listed files exist with the listed sizes: the one a resume starts from. Read by the"
          + " operator at most every finetune.operator.storage-interval while the job runs, and once"
          + " more when it finishes.")
  public CheckpointRef latestCheckpoint;

  @JsonPropertyDescription(
      "Source model and dataset of the final model, read from"
          + " <checkpoints.uri>/model/manifest.json once the trainer wrote it.")
  public Lineage lineage;

  @JsonPropertyDescription("URI of the final model, set when the job succeeded.")
  public String finalModelUri;

  @JsonPropertyDescription(
      "URI of the final model's model card (README.md with Hugging Face"
          + " front matter: base model, datasets, test accuracy), next to finalModelUri; set when"
          + " the job succeeded.")
  public String modelCardUri;

  @JsonPropertyDescription(
      "The model registry version of the final model (spec.registry), set"
          + " once the registry created or returned it; condition Registered says why it is not"
          + " set yet.")
  public RegisteredModel registeredModel;

  @JsonPropertyDescription(
      "Trainer attempts started so far: retries plus resumes after suspend"
          + " plus the first. The next attempt's Job is named <name>-attempt-<attempts+1>.")
  public Integer attempts;

  @JsonPropertyDescription(
      "Retryable failures of the trainer (exit code 128 or above other"
          + " than 143, a pod that vanished) so far; the job fails when this exceeds"
          + " spec.backoffLimit.")
  public Integer restarts;

  @JsonPropertyDescription(
      "Attempts stopped by the cluster (SIGTERM, exit 143; pod evicted or"
          + " preempted, condition DisruptionTarget) so far. Each resumes from the newest checkpoint"
          + " and does not count against spec.backoffLimit.")
  public Integer preemptions;

  @JsonPropertyDescription("Name of the newest trainer Job.")
  public String currentJob;

  @JsonPropertyDescription("Exit code of the newest finished trainer attempt, if it failed.")
  public Integer lastExitCode;
}
