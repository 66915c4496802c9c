package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** A search over FineTuneJob spec fields: template, parameters, algorithm, objective, budget. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = FineTuneSweepSpec.IMMUTABLE_EXCEPT_SUSPEND,
    message =
        "spec is immutable except spec.suspend: create a new FineTuneSweep (a new name) to search"
            + " again",
    reason = "FieldValueForbidden")
public class FineTuneSweepSpec {
  /**
   * CEL transition rule: every field but suspend keeps its value (and its presence). Keep in step
   * with the fields below; {@code CrdStructureTest} fails when a field is missing here.
   */
  public static final String IMMUTABLE_EXCEPT_SUSPEND =
      "(has(self.template) ? has(oldSelf.template) && self.template == oldSelf.template : !has(oldSelf.template))"
          + " && (has(self.parameters) ? has(oldSelf.parameters) && self.parameters == oldSelf.parameters : !has(oldSelf.parameters))"
          + " && (has(self.algorithm) ? has(oldSelf.algorithm) && self.algorithm == oldSelf.algorithm : !has(oldSelf.algorithm))"
          + " && (has(self.objective) ? has(oldSelf.objective) && self.objective == oldSelf.objective : !has(oldSelf.objective))"
          + " && (has(self.maxTrials) ? has(oldSelf.maxTrials) && self.maxTrials == oldSelf.maxTrials : !has(oldSelf.maxTrials))"
          + " && (has(self.parallelTrials) ? has(oldSelf.parallelTrials) && self.parallelTrials == oldSelf.parallelTrials : !has(oldSelf.parallelTrials))"
          + " && (has(self.maxFailedTrials) ? has(oldSelf.maxFailedTrials) && self.maxFailedTrials == oldSelf.maxFailedTrials : !has(oldSelf.maxFailedTrials))"
          + " && (has(self.earlyStopping) ? has(oldSelf.earlyStopping) && self.earlyStopping == oldSelf.earlyStopping : !has(oldSelf.earlyStopping))"
          + " && (has(self.promotion) ? has(oldSelf.promotion) && self.promotion == oldSelf.promotion : !has(oldSelf.promotion))";

  /** Most parameters a sweep may search; bounds the CRD's CEL cost per item too. */
  public static final int MAX_PARAMETERS = 16;

  @Required
  @JsonPropertyDescription(
      "The FineTuneJob spec every trial starts from; each trial sets the"
          + " parameters' fields on a copy of it (no string templating).")
  public FineTuneJobSpec template = new FineTuneJobSpec();

  @Required
  @Size(min = 1, max = FineTuneSweepSpec.MAX_PARAMETERS)
  @JsonPropertyDescription(
      "The fields to search and their spaces; at most one entry per field,"
          + " at most 16 entries.")
  public List<SweepParameter> parameters = new ArrayList<>();

  @JsonPropertyDescription(
      "How assignments are chosen: grid (every point, in order) or random"
          + " (seeded, deterministic).")
  public SweepAlgorithm algorithm = new SweepAlgorithm();

  @Required
  @JsonPropertyDescription("The metric each trial is judged by and whether higher or lower wins.")
  public SweepObjective objective = new SweepObjective();

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "Trials to run at most. Required for random; for grid it defaults to"
          + " the number of grid points and may cut the grid short.")
  public Integer maxTrials;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Trials running at the same time.")
  public Integer parallelTrials = 1;

  @Min(0)
  @Max(1000)
  @JsonPropertyDescription("Failed trials tolerated; one more ends the sweep Failed.")
  public Integer maxFailedTrials = 3;

  @JsonPropertyDescription(
      "The median stopping rule over each trial's per-epoch objective;"
          + " a stopped trial is suspended (it keeps its checkpoint) and counted EarlyStopped."
          + " Default: off.")
  public SweepEarlyStopping earlyStopping;

  @JsonPropertyDescription(
      "Where and whether the best trial's model is promoted when the sweep"
          + " ends: <template checkpoints.uri>/<sweep name>/best/, never over another sweep's.")
  public SweepPromotion promotion;

  @JsonPropertyDescription(
      "true suspends the sweep: its running trials are suspended (their trainers stop after a"
          + " checkpoint) and no new trial starts; false resumes them from their checkpoints."
          + " Trials stopped by the median rule stay suspended.")
  public Boolean suspend = false;
}
