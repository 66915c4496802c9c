package dev.finetune.operator.sweep;

import static dev.finetune.operator.status.ConditionTransition.condition;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.sweep.BestTrial;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.api.v1alpha1.sweep.SweepBaseline;
import dev.finetune.api.v1alpha1.sweep.TrialCounts;
import dev.finetune.api.v1alpha1.sweep.TrialRow;
import dev.finetune.contract.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Pure: the sweep's status from the observation and the verdict. The kstatus conditions follow the
 * FineTuneJob's table (docs/controller-flow.md): Ready=True once Succeeded, Reconciling=True while
 * trials are pending or running (not while spec.suspend holds it: phase Suspended, Ready=False with
 * reason Suspended), Stalled=True when it failed or cannot measure its objective; once it ended,
 * Promoted says whether the best model was promoted and why not. lastTransitionTime is kept while a
 * condition's status stays.
 */
final class SweepStatusBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SweepStatusBuilder() {}

  static FineTuneSweepStatus build(
      SweepObservation o,
      SweepVerdict v,
      FineTuneSweepStatus previous,
      Long generation,
      Instant now) {
    return build(o, v, previous, generation, now, null, null, Map.of());
  }

  /**
   * As above, with the best trial so far ({@link BestTrials}, or null) and, once the sweep ended,
   * what promotion did (null before): the Promoted condition and promotedModelUri.
   */
  static FineTuneSweepStatus build(
      SweepObservation o,
      SweepVerdict v,
      FineTuneSweepStatus previous,
      Long generation,
      Instant now,
      BestTrial best,
      PromotionOutcome promotion,
      Map<String, List<Double>> curves) {
    FineTuneSweepStatus s = new FineTuneSweepStatus();
    s.phase = v.phase();
    s.observedGeneration = generation;
    List<Condition> before = previous == null ? null : previous.conditions;
    boolean ready = v.succeeded();
    boolean stalled = v.stalled();
    boolean working = !ready && !stalled && !v.suspended();
    String message = v.message() == null ? "" : v.message();
    s.conditions =
        new ArrayList<>(
            List.of(
                condition(
                    Conditions.READY,
                    ready,
                    ready ? Conditions.SUCCEEDED : v.reason(),
                    message,
                    before,
                    generation,
                    now),
                condition(
                    Conditions.RECONCILING,
                    working,
                    working ? v.reason() : "NotReconciling",
                    working ? message : "",
                    before,
                    generation,
                    now),
                condition(
                    Conditions.STALLED,
                    stalled,
                    stalled ? v.reason() : "NotStalled",
                    stalled ? message : "",
                    before,
                    generation,
                    now)));
    if (promotion != null) {
      s.conditions.add(
          condition(
              PromotionOutcome.CONDITION,
              promotion.promoted(),
              promotion.reason(),
              promotion.message(),
              before,
              generation,
              now));
      s.promotedModelUri = promotion.modelUri();
    }
    s.bestTrial = best;
    TrialCounts c = new TrialCounts();
    List<Trial> existing = o.trials().stream().filter(Trial::exists).toList();
    c.total = existing.size();
    c.running = (int) existing.stream().filter(Trial::running).count();
    c.pending = (int) existing.stream().filter(t -> t.active() && !t.running()).count();
    c.succeeded = (int) existing.stream().filter(Trial::succeeded).count();
    c.failed = (int) existing.stream().filter(Trial::failed).count();
    c.earlyStopped = (int) existing.stream().filter(Trial::earlyStopped).count();
    s.counts = c;
    if (o.baseline().exists()) {
      s.baseline = new SweepBaseline();
      s.baseline.job = o.baseline().name();
      s.baseline.testAccuracy = o.baseline().testAccuracy();
    }
    if (!existing.isEmpty()) {
      s.trials =
          existing.stream()
              .limit(FineTuneSweepStatus.MAX_TABLE_ROWS)
              .map(
                  t -> {
                    TrialRow r = new TrialRow();
                    r.name = t.name();
                    r.parameters = t.assignment().values();
                    r.phase = t.earlyStopped() ? "EarlyStopped" : t.phase();
                    r.objectiveByEpoch = EarlyStopping.rows(curves.get(t.name()));
                    r.testAccuracy = t.testAccuracy();
                    r.objective = t.objective();
                    return r;
                  })
              .toList();
    }
    return s;
  }

  static boolean same(FineTuneSweepStatus a, FineTuneSweepStatus b) {
    return Objects.equals(JSON.valueToTree(a), JSON.valueToTree(b));
  }
}
