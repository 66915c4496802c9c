package dev.finetune.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The spec fields that change a run's result, flattened by path for a {@link
 * dev.finetune.trainer.checkpoint.RunIdentity}: model, dataset, transforms and training (and
 * baseline, for the baseline run). Left out: epoch counts and evaluation cadence (a run with more
 * epochs may continue a shorter one; fewer is refused by the epoch check), checkpoint settings and
 * everything about scheduling (resources, queue, nodes, image, backoff).
 */
final class RunIdentities {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> EXCLUDED =
      Set.of(
          "spec.training.epochs",
          "spec.training.evalEveryEpochs",
          "spec.baseline.fromScratch.epochs");

  private RunIdentities() {}

  static Map<String, String> resultFields(FineTuneJobSpec spec, boolean baseline) {
    Map<String, String> out = new TreeMap<>();
    JsonNode root = JSON.valueToTree(spec);
    for (String section :
        baseline
            ? new String[] {"model", "dataset", "transforms", "training", "baseline"}
            : new String[] {"model", "dataset", "transforms", "training"}) {
      flatten("spec." + section, root.get(section), out);
    }
    if (!spec.training.autoRecipe()) {
      // A fixed recipe without the field trains with the default, as checkpoints written before
      // the field lost its Java default (10.0) recorded it: they stay resumable.
      out.putIfAbsent(
          "spec.training.headLearningRateMultiplier",
          Double.toString(spec.training.headMultiplierOrDefault()));
    }
    return out;
  }

  private static void flatten(String path, JsonNode n, Map<String, String> out) {
    if (n == null || n.isNull() || EXCLUDED.contains(path)) {
      return;
    }
    if (n.isObject()) {
      n.fields().forEachRemaining(e -> flatten(path + "." + e.getKey(), e.getValue(), out));
    } else if (n.isArray()) {
      out.put(path, n.toString());
    } else {
      out.put(path, n.asText());
    }
  }
}
