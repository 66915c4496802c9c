package dev.finetune.operator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.BestTrial;
import dev.finetune.contract.StorageLayout;
import dev.finetune.contract.sweep.TrialSpecs;
import dev.finetune.operator.storage.S3Storage;
import dev.finetune.operator.storage.StorageException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Phase 3 (act): copies the best trial's final model, every object under {@code <template
 * checkpoints.uri>/<trial>/model/} (model.safetensors, result.json and what its manifest lists), to
 * {@code <template checkpoints.uri>/<sweep>/best/}, the manifest last, then writes {@value
 * #PROMOTION}: the sweep (namespace, name, uid), the trial, its parameters, objective, test
 * accuracy and gain. That file marks a finished promotion and is its lineage: a best/ whose {@value
 * #PROMOTION} names another sweep (uid) is never overwritten; one that names this sweep is already
 * done. Uses the template's credentialsSecret through {@link S3Storage}, as the job controller
 * reads a job's storage.
 */
final class ModelPromoter {
  static final String PROMOTION = "promotion.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelPromoter() {}

  /** The sweep's folder for its best model, relative to the template's checkpoints.uri. */
  static String bestFolder(String sweep) {
    return sweep + "/best/";
  }

  static PromotionOutcome promote(
      KubernetesClient client, FineTuneSweep sweep, BestTrial best, Duration timeout) {
    var checkpoints = sweep.getSpec().template.checkpoints;
    if (checkpoints == null
        || checkpoints.uri == null
        || !checkpoints.uri.startsWith("s3://")
        || checkpoints.credentialsSecret == null) {
      return PromotionOutcome.not(
          "NoStorage",
          "spec.template.checkpoints needs an s3:// uri and"
              + " a credentialsSecret to promote the best model; nothing promoted");
    }
    String name = sweep.getMetadata().getName();
    String uid = sweep.getMetadata().getUid();
    String to = bestFolder(name);
    String from = best.name + "/" + StorageLayout.MODEL;
    try (S3Storage s3 =
        S3Storage.open(
            client,
            sweep.getMetadata().getNamespace(),
            checkpoints.uri,
            checkpoints.credentialsSecret,
            timeout)) {
      String modelUri = s3.uri(to + StorageLayout.MODEL_FILE);
      var existing = s3.read(to + PROMOTION);
      if (existing.isPresent()) {
        JsonNode owner = parse(existing.get());
        if (uid != null && uid.equals(owner.path("sweep").path("uid").asText())) {
          return PromotionOutcome.promoted(
              modelUri, "trial " + owner.path("trial").asText() + " was promoted to " + s3.uri(to));
        }
        return PromotionOutcome.not(
            PromotionOutcome.BEST_TAKEN,
            s3.uri(to)
                + " holds the model"
                + " promoted by sweep "
                + owner.path("sweep").path("namespace").asText()
                + "/"
                + owner.path("sweep").path("name").asText()
                + " (uid "
                + owner.path("sweep").path("uid").asText()
                + "); promoted models are immutable, so"
                + " nothing was overwritten: delete it or use another template checkpoints.uri");
      }
      Map<String, Long> objects = s3.list(from);
      String manifest = from + StorageLayout.MANIFEST;
      if (!objects.containsKey(manifest) || !objects.containsKey(from + StorageLayout.MODEL_FILE)) {
        return PromotionOutcome.not(
            PromotionOutcome.STORAGE_UNAVAILABLE,
            s3.uri(from)
                + " has no complete final model (manifest.json and model.safetensors) yet");
      }
      for (String key : objects.keySet()) {
        if (!key.equals(manifest)) {
          s3.copy(key, to + key.substring(from.length()));
        }
      }
      s3.copy(manifest, to + StorageLayout.MANIFEST);
      s3.write(to + PROMOTION, lineage(sweep, best, s3.uri(from)));
      return PromotionOutcome.promoted(
          modelUri, "trial " + best.name + " promoted to " + s3.uri(to));
    } catch (StorageException e) {
      return PromotionOutcome.not(PromotionOutcome.STORAGE_UNAVAILABLE, e.getMessage());
    }
  }

  private static JsonNode parse(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  static byte[] lineage(FineTuneSweep sweep, BestTrial best, String source) {
    Map<String, Object> owner = new LinkedHashMap<>();
    owner.put("namespace", sweep.getMetadata().getNamespace());
    owner.put("name", sweep.getMetadata().getName());
    owner.put("uid", sweep.getMetadata().getUid());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sweep", owner);
    m.put("trial", best.name);
    m.put("source", source);
    m.put("parameters", best.parameters);
    m.put(
        "objective",
        Map.of(
            "metric",
            dev.finetune.contract.sweep.Objectives.metric(sweep.getSpec().objective),
            "value",
            best.objective));
    m.put("testAccuracy", best.testAccuracy);
    m.put("accuracyGain", best.accuracyGain);
    m.put(
        "trialCheckpoints", TrialSpecs.folder(sweep.getSpec().template.checkpoints.uri, best.name));
    try {
      return JSON.writerWithDefaultPrettyPrinter()
          .writeValueAsString(m)
          .getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
