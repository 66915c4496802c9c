package dev.finetune.trainer.spec;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.sweep.SweepValidator;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a FineTuneSweep manifest as strictly as {@link JobLoader} reads a FineTuneJob, and
 * validates it with the contract's {@link SweepValidator} (every trial and the baseline through
 * the FineTuneJob rules), so {@code finetune validate} says what the admission webhook says.
 */
public final class SweepLoader {
  private SweepLoader() {}

  /** Whether the manifest's text declares {@code kind: FineTuneSweep} (at top level). */
  public static boolean isSweep(String yaml) {
    return yaml.lines().anyMatch(l -> l.strip().equals("kind: FineTuneSweep")
        && !l.startsWith(" "));
  }

  public static FineTuneSweep load(Path manifest, Placement placement, List<String> schemes) {
    return parse(JobLoader.text(manifest), manifest.toString(), placement, schemes);
  }

  public static FineTuneSweep parse(String yaml, String source, Placement placement,
      List<String> schemes) {
    FineTuneSweep sweep = JobLoader.read(yaml, source, FineTuneSweep.class, "FineTuneSweep");
    new Violations(SweepValidator.validate(sweep, placement, schemes)).throwIfInvalid(source);
    return sweep;
  }
}
