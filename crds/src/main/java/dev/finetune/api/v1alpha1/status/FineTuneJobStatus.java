package dev.finetune.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a FineTuneJob. Everything here is derived from observation. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FineTuneJobStatus {
  @JsonPropertyDescription("Pending, Running, Suspended, Succeeded or Failed; derived from"
      + " conditions.")
  public String phase;

  @JsonPropertyDescription("metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Standard conditions (type, status, reason, message,"
      + " lastTransitionTime, observedGeneration).")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Training progress of the fine-tune run.")
  public Progress progress;

  @JsonPropertyDescription("Latest metrics of the fine-tune run.")
  public RunMetrics metrics;

  @JsonPropertyDescription("Latest metrics of the from-scratch baseline, if requested.")
  public RunMetrics baseline;

  @JsonPropertyDescription("Newest checkpoint in object storage whose manifest parses and whose"
      + " listed files exist with the listed sizes: the one a resume starts from. Read by the"
      + " operator at most every finetune.operator.storage-interval while the job runs, and once"
      + " more when it finishes.")
  public CheckpointRef latestCheckpoint;

  @JsonPropertyDescription("Source model and dataset of the final model, read from"
      + " <checkpoints.uri>/model/manifest.json once the trainer wrote it.")
  public Lineage lineage;

  @JsonPropertyDescription("URI of the final model, set when the job succeeded.")
  public String finalModelUri;

  @JsonPropertyDescription("Trainer attempts started so far: retries plus resumes after suspend"
      + " plus the first. The next attempt's Job is named <name>-attempt-<attempts+1>.")
  public Integer attempts;

  @JsonPropertyDescription("Retryable failures (exit code 128 or above, eviction, preemption)"
      + " so far; the job fails when this exceeds spec.backoffLimit.")
  public Integer restarts;

  @JsonPropertyDescription("Name of the newest trainer Job.")
  public String currentJob;

  @JsonPropertyDescription("Exit code of the newest finished trainer attempt, if it failed.")
  public Integer lastExitCode;
}
