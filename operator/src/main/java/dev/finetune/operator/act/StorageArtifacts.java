package dev.finetune.operator.act;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.ArtifactPolicy;
import dev.finetune.operator.storage.S3Storage;
import dev.finetune.operator.storage.StorageException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;

/**
 * The job's objects in storage (checkpoints/, model/, baseline/ under spec.checkpoints.uri) as a
 * child resource: deleted on deletion of the FineTuneJob when spec.artifactPolicy is Delete.
 */
public final class StorageArtifacts {
  private StorageArtifacts() {}

  /** Delete policy and something the operator can open. Retain never touches storage. */
  public static boolean deleteOnCleanup(FineTuneJob ftj) {
    return ftj.getSpec().artifactPolicy == ArtifactPolicy.DELETE && S3Storage.configured(ftj);
  }

  /** Deletes every object under spec.checkpoints.uri; returns how many. */
  public static int delete(KubernetesClient client, FineTuneJob ftj, Duration timeout)
      throws StorageException {
    try (S3Storage storage = S3Storage.open(client, ftj, timeout)) {
      return storage.deleteAll();
    }
  }

  /**
   * Delay before the next try: as long as the deletion has waited so far (so tries double), between
   * base and max.
   */
  public static Duration retryDelay(
      Instant deletionRequested, Instant now, Duration base, Duration max) {
    Duration waited =
        deletionRequested == null ? Duration.ZERO : Duration.between(deletionRequested, now);
    if (waited.compareTo(base) < 0) {
      return base;
    }
    return waited.compareTo(max) > 0 ? max : waited;
  }
}
