package dev.finetune.operator.sweep;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.status.RunMetrics;
import dev.finetune.contract.sweep.Assignment;
import dev.finetune.contract.sweep.Objectives;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Phase 1, read only: the trials the spec plans (deterministic names) matched with the FineTuneJobs
 * the sweep owns, read like any client reads a FineTuneJob (status.phase,
 * status.metrics.testAccuracy, and the objective's status.metrics.validationAccuracy or
 * validationLoss, spec.suspend, and who suspended it). A FineTuneJob with a trial's name that the
 * sweep does not own (no ownerReference with its uid) is not its trial.
 */
final class SweepObserver {
  private SweepObserver() {}

  static SweepObservation observe(FineTuneSweep sweep, Collection<FineTuneJob> jobs) {
    String uid = sweep.getMetadata().getUid();
    Map<String, FineTuneJob> owned =
        jobs.stream()
            .filter(
                j ->
                    j.getMetadata().getOwnerReferences() != null
                        && j.getMetadata().getOwnerReferences().stream()
                            .anyMatch(o -> uid != null && uid.equals(o.getUid())))
            .collect(
                Collectors.toMap(j -> j.getMetadata().getName(), Function.identity(), (a, b) -> a));
    String name = sweep.getMetadata().getName();
    boolean loss = "validationLoss".equals(Objectives.metric(sweep.getSpec().objective));
    List<Trial> trials =
        SearchPoints.trials(sweep.getSpec()).stream()
            .map(a -> trial(TrialNames.trial(name, a), a, owned, loss))
            .toList();
    return new SweepObservation(trials, trial(TrialNames.baseline(name), null, owned, loss));
  }

  private static Trial trial(
      String name, Assignment a, Map<String, FineTuneJob> owned, boolean loss) {
    FineTuneJob job = owned.get(name);
    if (job == null) {
      return Trial.missing(name, a);
    }
    var status = job.getStatus();
    RunMetrics m = status == null ? null : status.metrics;
    var annotations = job.getMetadata().getAnnotations();
    return new Trial(
        name,
        a,
        true,
        status == null ? null : status.phase,
        m == null ? null : number(m.testAccuracy),
        m == null ? null : number(loss ? m.validationLoss : m.validationAccuracy),
        m == null ? null : m.validationEpoch,
        annotations != null && annotations.containsKey(Trial.EARLY_STOPPED),
        job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().suspend),
        annotations != null && annotations.containsKey(Trial.SUSPENDED_BY_SWEEP));
  }

  /** A status number (the CRD keeps them as strings); null when absent or not a number. */
  private static Double number(String v) {
    if (v == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(v);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
