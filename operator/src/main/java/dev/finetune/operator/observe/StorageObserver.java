package dev.finetune.operator.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.Lineage;
import dev.finetune.contract.FinalResult;
import dev.finetune.contract.StorageLayout;
import dev.finetune.operator.storage.S3Storage;
import dev.finetune.operator.storage.StorageException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Phase 1, object storage: one listing of {@code checkpoints/}, the manifests needed to pick the
 * newest valid checkpoint, {@code model/manifest.json} for lineage and {@code model/result.json}
 * for the final numbers. Read only. Any failure (Secret missing, S3 down, access denied) becomes
 * {@link StorageObservation#unreachable}; it never fails the reconcile.
 */
public final class StorageObserver {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StorageObserver() {}

  public static StorageObservation observe(
      KubernetesClient client, FineTuneJob ftj, Duration timeout) {
    try (S3Storage storage = S3Storage.open(client, ftj, timeout)) {
      var listing = storage.list(CheckpointSelector.CHECKPOINTS);
      var selection =
          CheckpointSelector.select(
              listing, storage::read, name -> storage.uri(CheckpointSelector.CHECKPOINTS + name));
      Optional<byte[]> manifest = storage.read(StorageLayout.MODEL_MANIFEST);
      Optional<Lineage> lineage = manifest.flatMap(StorageObserver::lineage);
      // result.json is written before the manifest that lists it: read it once the manifest is
      // there, so a half-written final model is never taken for a result.
      Optional<FinalResult> result =
          manifest.isPresent()
              ? storage.read(StorageLayout.RESULT).flatMap(FinalResult::fromResultJson)
              : Optional.empty();
      return StorageObservation.answered(selection, lineage, result);
    } catch (StorageException e) {
      return StorageObservation.unreachable(e.getMessage());
    } catch (RuntimeException e) {
      return StorageObservation.unreachable(
          e.getClass().getSimpleName() + " while reading object storage");
    }
  }

  /** metadata.lineage of the trainer's model/manifest.json; empty if absent or unreadable. */
  static Optional<Lineage> lineage(byte[] manifest) {
    try {
      JsonNode node = JSON.readTree(manifest).path("metadata").path("lineage");
      if (!node.isObject()) {
        return Optional.empty();
      }
      Lineage l = new Lineage();
      l.sourceModelUri = text(node, "sourceModelUri");
      l.sourceModelSha256 = text(node, "sourceModelSha256");
      l.datasetDigest = text(node, "datasetDigest");
      return Optional.of(l);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || !v.isTextual() ? null : v.textValue();
  }
}
