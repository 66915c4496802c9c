package dev.finetune.trainer.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.sweep.SweepValidator;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a FineTuneSweep manifest as strictly as {@link JobLoader} reads a FineTuneJob, and
 * validates it with the contract's {@link SweepValidator} (every trial and the baseline through the
 * FineTuneJob rules), so {@code finetune validate} says what the admission webhook says.
 */
public final class SweepLoader {
  private SweepLoader() {}

  /**
   * Whether the manifest declares {@code kind: FineTuneSweep}. YAML that does not parse is not a
   * sweep here: {@link JobLoader} then reports what is wrong with it.
   */
  public static boolean isSweep(String yaml) {
    try {
      JsonNode root = JobLoader.mapper().readTree(yaml);
      return root != null
          && root.isObject()
          && root.get("kind") != null
          && "FineTuneSweep".equals(root.get("kind").asText());
    } catch (JsonProcessingException | RuntimeException e) {
      return false;
    }
  }

  public static FineTuneSweep load(Path manifest, Placement placement, List<String> schemes) {
    return parse(JobLoader.text(manifest), manifest.toString(), placement, schemes);
  }

  public static FineTuneSweep parse(
      String yaml, String source, Placement placement, List<String> schemes) {
    FineTuneSweep sweep = JobLoader.read(yaml, source, FineTuneSweep.class, "FineTuneSweep");
    new Violations(SweepValidator.validate(sweep, placement, schemes)).throwIfInvalid(source);
    return sweep;
  }
}
