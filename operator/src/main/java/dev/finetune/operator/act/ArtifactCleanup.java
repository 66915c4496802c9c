package dev.finetune.operator.act;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.status.EventRecorder;
import dev.finetune.operator.storage.StorageException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Act, on deletion with artifactPolicy Delete: the trainer pods still running are stopped first (so
 * nothing writes while objects go), then every object under spec.checkpoints.uri is deleted ({@link
 * StorageArtifacts}); while storage fails the finalizer stays, a Warning says why, and the next try
 * comes after a growing delay.
 */
public final class ArtifactCleanup {
  private static final Logger LOG = Logger.getLogger(ArtifactCleanup.class);

  private final KubernetesClient client;
  private final Duration timeout;
  private final Duration backoffBase;
  private final Duration backoffMax;

  /** Storage or registry requests bounded by storage-timeout; retries by backoff-base and -max. */
  public ArtifactCleanup(KubernetesClient client, OperatorConfig config) {
    this.client = client;
    this.timeout = config.storageTimeout();
    this.backoffBase = config.backoffBase();
    this.backoffMax = config.backoffMax();
  }

  /** One try; {@code active}: the job's trainer pods that are not finished. */
  public DeleteControl run(FineTuneJob ftj, List<String> active) {
    String ns = ftj.getMetadata().getNamespace();
    String name = ftj.getMetadata().getName();
    if (!active.isEmpty()) {
      active.forEach(pod -> client.pods().inNamespace(ns).withName(pod).delete());
      EventRecorder.normal(
          client,
          ftj,
          "DeletingArtifacts",
          "stopping trainer pods "
              + active
              + " before deleting objects under "
              + ftj.getSpec().checkpoints.uri);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(backoffBase);
    }
    try {
      int n = StorageArtifacts.delete(client, ftj, timeout);
      LOG.infof(
          "%s/%s: artifactPolicy Delete: deleted %d objects under %s",
          ns, name, n, ftj.getSpec().checkpoints.uri);
      EventRecorder.normal(
          client,
          ftj,
          "ArtifactsDeleted",
          "deleted " + n + " objects under " + ftj.getSpec().checkpoints.uri);
      return DeleteControl.defaultDelete();
    } catch (StorageException e) {
      Instant now = Instant.now();
      String requested = ftj.getMetadata().getDeletionTimestamp();
      Duration delay =
          StorageArtifacts.retryDelay(
              requested == null ? null : Instant.parse(requested), now, backoffBase, backoffMax);
      LOG.warnf(
          "%s/%s: cannot delete artifacts, retrying in %s: %s", ns, name, delay, e.getMessage());
      EventRecorder.warning(
          client,
          ftj,
          "ArtifactDeletionFailed",
          e.getMessage()
              + "; the finalizer stays and deletion is retried in "
              + delay.toSeconds()
              + " s");
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(delay);
    }
  }
}
