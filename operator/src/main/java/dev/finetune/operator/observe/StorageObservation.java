package dev.finetune.operator.observe;

import dev.finetune.api.v1alpha1.status.Lineage;
import dev.finetune.contract.FinalResult;
import java.util.Optional;

/**
 * What phase 1 read from the job's object storage, if it read it this time.
 *
 * @param observed false when storage was not read in this reconcile (throttled, not configured)
 * @param error why storage did not answer (no secret values); null when it answered
 * @param checkpoints the newest valid checkpoint and the newer invalid ones
 * @param lineage from model/manifest.json, once the trainer wrote the final model
 * @param result the trainer's model/result.json, once the final model's manifest lists it
 */
public record StorageObservation(
    boolean observed,
    String error,
    CheckpointSelector.Selection checkpoints,
    Optional<Lineage> lineage,
    Optional<FinalResult> result) {
  public static final StorageObservation NOT_OBSERVED =
      new StorageObservation(
          false, null, CheckpointSelector.Selection.NONE, Optional.empty(), Optional.empty());

  public static StorageObservation answered(
      CheckpointSelector.Selection checkpoints, Optional<Lineage> lineage) {
    return answered(checkpoints, lineage, Optional.empty());
  }

  public static StorageObservation answered(
      CheckpointSelector.Selection checkpoints,
      Optional<Lineage> lineage,
      Optional<FinalResult> result) {
    return new StorageObservation(true, null, checkpoints, lineage, result);
  }

  public static StorageObservation unreachable(String error) {
    return new StorageObservation(
        true, error, CheckpointSelector.Selection.NONE, Optional.empty(), Optional.empty());
  }

  public boolean reachable() {
    return observed && error == null;
  }
}
