package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a FineTuneSweep, derived from its trials' FineTuneJob statuses. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FineTuneSweepStatus {
  /** Rows kept in {@link #trials}, so the object stays small. */
  public static final int MAX_TABLE_ROWS = 50;

  @JsonPropertyDescription(
      "Pending, Running, Suspended, Succeeded or Failed; derived from" + " conditions.")
  public String phase;

  @JsonPropertyDescription("metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Standard conditions, including the kstatus Ready, Reconciling and" + " Stalled.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Trial counts; a trial is counted once, in its latest state.")
  public TrialCounts counts;

  @JsonPropertyDescription("The best finished trial by the objective.")
  public BestTrial bestTrial;

  @JsonPropertyDescription(
      "Where the best trial's final model was promoted when the sweep"
          + " ended: <template checkpoints.uri>/<sweep name>/best/model.safetensors, next to its"
          + " manifest.json, result.json and promotion.json (sweep, trial, parameters, gain).")
  public String promotedModelUri;

  @JsonPropertyDescription("The sweep's one from-scratch baseline run.")
  public SweepBaseline baseline;

  @JsonPropertyDescription(
      "The trials created so far, in the order the search planned them; at"
          + " most 50 rows (status.counts counts them all).")
  public List<TrialRow> trials;
}
