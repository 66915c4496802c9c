package dev.finetune.operator.status;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.observe.StorageObservation;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Status, as Events: a Warning for each invalid checkpoint that storage listing found (newer than
 * the one a resume uses), once per checkpoint; in memory by uid, so an operator restart may repeat
 * one.
 */
public final class InvalidCheckpointEvents {
  private final KubernetesClient client;

  /** Invalid checkpoints already reported (by uid). */
  private final Map<String, Set<String>> reportedInvalid = new ConcurrentHashMap<>();

  public InvalidCheckpointEvents(KubernetesClient client) {
    this.client = client;
  }

  /** A Warning per invalid checkpoint newer than the one a resume uses, once per checkpoint. */
  public void report(FineTuneJob ftj, StorageObservation storage) {
    if (!storage.reachable() || storage.checkpoints().invalid().isEmpty()) {
      return;
    }
    Set<String> reported =
        reportedInvalid.computeIfAbsent(
            ftj.getMetadata().getUid(), uid -> ConcurrentHashMap.newKeySet());
    String fallback =
        storage
            .checkpoints()
            .latest()
            .map(
                c -> "a resume will use " + c.uri + " (epoch " + c.epoch + ", step " + c.step + ")")
            .orElse("no valid checkpoint is left: a resume starts from the beginning");
    for (var invalid : storage.checkpoints().invalid()) {
      if (reported.add(invalid.name())) {
        EventRecorder.warning(
            client,
            ftj,
            "CheckpointInvalid",
            "checkpoint " + invalid.name() + " is invalid: " + invalid.reason() + "; " + fallback);
      }
    }
  }

  /** Forgets a deleted job. */
  public void forget(String uid) {
    reportedInvalid.remove(uid);
  }
}
