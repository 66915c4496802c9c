package dev.finetune.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * One {@code metav1.Condition}, keeping its {@code lastTransitionTime} while its status does not
 * change: what both controllers' kstatus conditions (Ready, Reconciling, Stalled...) share.
 */
public final class ConditionTransition {
  private ConditionTransition() {}

  /**
   * The condition {@code type} with this status, reason and message; its transition time is the one
   * in {@code previous} when that had the same type and status, else {@code now}.
   */
  public static Condition condition(
      String type,
      boolean isTrue,
      String reason,
      String message,
      List<Condition> previous,
      Long generation,
      Instant now) {
    String status = isTrue ? "True" : "False";
    String lastTransition =
        previous == null
            ? null
            : previous.stream()
                .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(
            lastTransition != null
                ? lastTransition
                : now.truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
  }
}
