package dev.finetune.operator.registry;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.api.v1alpha1.status.RegisteredModel;
import dev.finetune.contract.Conditions;
import dev.finetune.contract.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When a Succeeded job registers its final model, when a failed try is retried, and what the status
 * says about it (status.registeredModel, condition Registered). Pure: the reconciler does the call.
 * Registration never changes the phase.
 */
public final class Registration {
  private Registration() {}

  /**
   * True when the job should be registered now: spec.registry.mlflow is set, the job Succeeded, its
   * final model and final numbers are known, no version is recorded yet, and (when the operator
   * reads its storage) the lineage was read or storage answered without it.
   */
  public static boolean wanted(
      FineTuneJob ftj, FineTuneJobStatus status, boolean storageConfigured) {
    if (ftj.getSpec().registry == null
        || ftj.getSpec().registry.mlflow == null
        || status == null
        || status.registeredModel != null
        || !Phase.SUCCEEDED.label().equals(status.phase)
        || status.finalModelUri == null
        || status.resultSource == null) {
      return false;
    }
    boolean storageAnswered =
        condition(status, Conditions.STORAGE_REACHABLE)
            .map(c -> "True".equals(c.getStatus()))
            .orElse(false);
    return !storageConfigured || status.lineage != null || storageAnswered;
  }

  /**
   * How long to wait after a failed try: as long as registration has been failing (since the
   * Registered=False transition), between base and max, so the waits roughly double.
   */
  public static Duration retryDelay(
      Instant failingSince, Instant now, Duration base, Duration max) {
    Duration waited = failingSince == null ? Duration.ZERO : Duration.between(failingSince, now);
    if (waited.compareTo(base) < 0) {
      return base;
    }
    return waited.compareTo(max) > 0 ? max : waited;
  }

  /** Since when Registered has been False, if it is. */
  public static Optional<Instant> failingSince(FineTuneJobStatus status) {
    return condition(status, Conditions.REGISTERED)
        .filter(c -> "False".equals(c.getStatus()) && c.getLastTransitionTime() != null)
        .map(c -> Instant.parse(c.getLastTransitionTime()));
  }

  /** status.registeredModel and Registered=True, VersionRegistered. */
  public static void registered(
      FineTuneJobStatus status, RegisteredModel model, Long generation, Instant now) {
    status.registeredModel = model;
    set(status, "True", Conditions.VERSION_REGISTERED, describe(model), generation, now);
  }

  /**
   * "MLflow registered model NAME version N (source URI)": the condition's and the Event's text.
   */
  public static String describe(RegisteredModel model) {
    return "MLflow registered model "
        + model.name
        + " version "
        + model.version
        + " (source "
        + model.uri
        + ")";
  }

  /** Registered=False, RegistryUnavailable, with the (masked) error and the next try. */
  public static void unavailable(
      FineTuneJobStatus status, String error, Duration retryIn, Long generation, Instant now) {
    set(
        status,
        "False",
        Conditions.REGISTRY_UNAVAILABLE,
        error + "; retrying in " + retryIn.toSeconds() + " s (the job stays Succeeded)",
        generation,
        now);
  }

  private static void set(
      FineTuneJobStatus status,
      String value,
      String reason,
      String message,
      Long generation,
      Instant now) {
    Optional<Condition> old = condition(status, Conditions.REGISTERED);
    List<Condition> out =
        new ArrayList<>(status.conditions == null ? List.of() : status.conditions);
    out.removeIf(c -> Conditions.REGISTERED.equals(c.getType()));
    out.add(
        new ConditionBuilder()
            .withType(Conditions.REGISTERED)
            .withStatus(value)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(
                old.filter(c -> value.equals(c.getStatus()))
                    .map(Condition::getLastTransitionTime)
                    .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString()))
            .build());
    status.conditions = out;
  }

  private static Optional<Condition> condition(FineTuneJobStatus status, String type) {
    return status == null || status.conditions == null
        ? Optional.empty()
        : status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
