package dev.finetune.operator.act;

import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Phase;
import dev.finetune.operator.status.StatusBuilder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * spec.ttlSecondsAfterFinished for the FineTuneJob itself. Pure. The job finished at the
 * lastTransitionTime of its True Succeeded or Failed condition; that time is written in whole
 * seconds, rounded down, so one second is added: the job is never deleted before the TTL.
 */
public final class Expiry {
  /**
   * Marks that a GitOps tool applied the object and re-creates it when it disappears (Argo CD
   * self-heal, Flux's drift correction): deleting a finished job would only train it again.
   */
  static final List<String> GITOPS_ANNOTATIONS = List.of("argocd.argoproj.io/tracking-id");

  static final List<String> GITOPS_LABELS =
      List.of(
          "argocd.argoproj.io/instance",
          "kustomize.toolkit.fluxcd.io/name",
          "helm.toolkit.fluxcd.io/name");

  private Expiry() {}

  /**
   * The GitOps mark that keeps a finished job despite spec.ttlSecondsAfterFinished, if any:
   * removing the job from Git (prune) is what deletes it then.
   */
  public static Optional<String> heldBy(
      Map<String, String> labels, Map<String, String> annotations) {
    for (String a : GITOPS_ANNOTATIONS) {
      if (annotations != null && annotations.containsKey(a)) {
        return Optional.of("annotation " + a);
      }
    }
    for (String l : GITOPS_LABELS) {
      if (labels != null && labels.containsKey(l)) {
        return Optional.of("label " + l);
      }
    }
    return Optional.empty();
  }

  /** When the job may be deleted; empty while it runs or without a TTL. */
  public static Optional<Instant> deleteAt(FineTuneJobStatus status, Integer ttlSeconds) {
    if (ttlSeconds == null
        || status == null
        || status.phase == null
        || !Phase.of(status.phase).terminal()) {
      return Optional.empty();
    }
    return StatusBuilder.condition(status, status.phase)
        .filter(c -> "True".equals(c.getStatus()) && c.getLastTransitionTime() != null)
        .flatMap(
            c -> {
              try {
                return Optional.of(Instant.parse(c.getLastTransitionTime()));
              } catch (DateTimeParseException e) {
                return Optional.empty();
              }
            })
        .map(finished -> finished.plusSeconds(1L + ttlSeconds));
  }
}
