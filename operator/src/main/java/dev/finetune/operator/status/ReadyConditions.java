package dev.finetune.operator.status;

import static dev.finetune.operator.status.ConditionTransition.condition;

import dev.finetune.contract.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The three conditions of kstatus (sigs.k8s.io/cli-utils/pkg/kstatus), which Flux health checks,
 * {@code kubectl wait} and Argo CD read, derived from the same verdict as the lifecycle conditions,
 * always present, with observedGeneration:
 *
 * <pre>
 * verdict                                   Ready  Reconciling  Stalled   kstatus
 * Pending, Running, Restarting, Suspending  False  True         False     InProgress
 * Suspended (stopped)                       False  False        False     InProgress
 * Succeeded                                 True   False        False     Current
 * Failed (InvalidSpec, PermanentFailure,    False  False        True      Failed
 *         BackoffLimitExceeded)
 * </pre>
 *
 * kstatus first compares observedGeneration with metadata.generation (a mismatch is InProgress),
 * then Reconciling=True is InProgress, Stalled=True is Failed, and Ready decides between Current
 * and InProgress. A job's desired state is "trained", so Ready means Succeeded.
 */
final class ReadyConditions {
  static final String READY = Conditions.READY;
  static final String RECONCILING = Conditions.RECONCILING;
  static final String STALLED = Conditions.STALLED;
  static final List<String> TYPES = List.of(READY, RECONCILING, STALLED);

  private ReadyConditions() {}

  static List<Condition> of(
      StatusBuilder.Verdict v, List<Condition> previous, Long generation, Instant now) {
    boolean succeeded = v.type().equals(Conditions.SUCCEEDED);
    boolean failed = v.type().equals(Conditions.FAILED);
    boolean stopped =
        v.type().equals(Conditions.SUSPENDED) && !Conditions.SUSPENDING.equals(v.reason());
    boolean working = !succeeded && !failed && !stopped;
    String message = v.message() == null ? "" : v.message();
    List<Condition> out = new ArrayList<>();
    out.add(
        condition(
            READY,
            succeeded,
            succeeded ? Conditions.SUCCEEDED : v.reason(),
            message,
            previous,
            generation,
            now));
    out.add(
        condition(
            RECONCILING,
            working,
            working ? v.reason() : "Not" + RECONCILING,
            working ? message : "",
            previous,
            generation,
            now));
    out.add(
        condition(
            STALLED,
            failed,
            failed ? v.reason() : "Not" + STALLED,
            failed ? message : "",
            previous,
            generation,
            now));
    return out;
  }
}
