package dev.finetune.trainer.checkpoint;

import dev.finetune.api.v1alpha1.spec.CheckpointSpec;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import java.nio.file.Path;

/**
 * The checkpoint settings of a run with every default applied once: those of {@link CheckpointSpec}
 * (the CRD's defaults), and the output folder's {@code checkpoints/} when the spec names no
 * location.
 *
 * @param checkpointUri where checkpoints and the final model go, without a trailing '/'
 * @param keep newest valid checkpoints kept
 * @param everyEpochs a checkpoint every N epochs
 */
public record CheckpointSettings(String checkpointUri, int keep, int everyEpochs) {
  public static CheckpointSettings resolve(FineTuneJobSpec spec, Path output) {
    CheckpointSpec c = spec.checkpoints != null ? spec.checkpoints : new CheckpointSpec();
    String uri =
        c.uri != null ? c.uri : output.toAbsolutePath().resolve("checkpoints").toUri().toString();
    // Path.toUri() adds '/' once the folder exists.
    return new CheckpointSettings(uri.replaceAll("/+$", ""), c.keep, c.everyEpochs);
  }
}
