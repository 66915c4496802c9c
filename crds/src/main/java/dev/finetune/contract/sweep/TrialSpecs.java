package dev.finetune.contract.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.FromScratchSpec;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import java.util.List;
import java.util.Map;

/**
 * The FineTuneJob specs a sweep creates, built on a copy of the typed template (no text
 * templating), without a TTL (the sweep owns their lifecycle). Each writes its checkpoints and
 * final model under its own folder, {@code <template checkpoints.uri>/<job name>/}, so trials never
 * share a checkpoint. Trials carry no baseline: the sweep runs one, {@link #baseline}, for all of
 * them.
 */
public final class TrialSpecs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrialSpecs() {}

  /** The trial's spec; throws IllegalArgumentException naming the field for a bad value. */
  public static FineTuneJobSpec trial(FineTuneSweepSpec sweep, Assignment assignment, String name) {
    FineTuneJobSpec spec = copy(sweep.template);
    for (Map.Entry<String, String> e : assignment.values().entrySet()) {
      SweepFields.Leaf leaf =
          SweepFields.find(e.getKey())
              .orElseThrow(
                  () -> new IllegalArgumentException(e.getKey() + ": not a sweepable field"));
      SweepFields.set(spec, leaf, SweepValues.parse(leaf, e.getValue()));
    }
    return ownFolder(spec, name);
  }

  /**
   * The from-scratch baseline: the template without source weights or frozen layers, with {@code
   * template.baseline.fromScratch}'s learning rate and epochs where given.
   */
  public static FineTuneJobSpec baseline(FineTuneSweepSpec sweep, String name) {
    FineTuneJobSpec spec = copy(sweep.template);
    spec.model.pretrained = null;
    spec.training.freeze = List.of();
    FromScratchSpec scratch =
        sweep.template.baseline == null ? null : sweep.template.baseline.fromScratch;
    if (scratch != null && scratch.learningRate != null) {
      spec.training.learningRate = scratch.learningRate;
    }
    if (scratch != null && scratch.epochs != null) {
      spec.training.epochs = scratch.epochs;
    }
    return ownFolder(spec, name);
  }

  /** Where a job of the sweep writes: its own folder under the template's checkpoints.uri. */
  public static String folder(String checkpointsUri, String name) {
    return checkpointsUri.endsWith("/") ? checkpointsUri + name : checkpointsUri + "/" + name;
  }

  private static FineTuneJobSpec ownFolder(FineTuneJobSpec spec, String name) {
    spec.baseline = null;
    spec.suspend = false;
    // The sweep owns its trials' lifecycle: a trial deleted by its TTL would be created again.
    spec.ttlSecondsAfterFinished = null;
    if (spec.checkpoints != null && spec.checkpoints.uri != null) {
      spec.checkpoints.uri = folder(spec.checkpoints.uri, name);
    }
    return spec;
  }

  private static FineTuneJobSpec copy(FineTuneJobSpec template) {
    return JSON.convertValue(JSON.valueToTree(template), FineTuneJobSpec.class);
  }
}
