package dev.finetune.operator.sweep;

import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Pure: from the observation (and a validation problem, if any) to what to create or stop and the
 * verdict. Trials are created in the spec's order, at most {@code parallelTrials} active at a time;
 * a trial that exists, finished or not, is never created again, so a failed trial counts once and a
 * re-applied sweep never retrains a finished one. The baseline is created with the first trials and
 * is not counted against parallelTrials. More than {@code maxFailedTrials} failures end the sweep
 * Failed and delete the trials still active (their owner is the sweep; deleting a FineTuneJob stops
 * its trainer). An objective that cannot be measured (a template without dataset.validation, {@code
 * Objectives}) starts nothing: the status still counts whatever trials exist. A suspended sweep
 * ({@code spec.suspend}) creates nothing and suspends its active trials and baseline; resumed, it
 * sets those it suspended back to spec.suspend false, so they continue from their checkpoints. A
 * trial the median rule stopped is finished, never active, so it stays suspended; a trial a user
 * suspended by hand stays suspended until the user resumes it (it holds its parallelTrials slot).
 */
final class SweepPlanner {
  private SweepPlanner() {}

  static SweepPlan plan(
      FineTuneSweepSpec spec,
      SweepObservation o,
      Optional<String> invalid,
      Optional<String> unmeasurable) {
    return plan(spec, o, invalid, unmeasurable, null);
  }

  /**
   * As above, after {@code previous}: a sweep that ended (Succeeded, or Failed by its trials) stays
   * where it ended, so a finished trial deleted afterwards is never trained again.
   */
  static SweepPlan plan(
      FineTuneSweepSpec spec,
      SweepObservation o,
      Optional<String> invalid,
      Optional<String> unmeasurable,
      SweepVerdict previous) {
    if (previous != null && previous.ended()) {
      return new SweepPlan(List.of(), List.of(), previous);
    }
    if (invalid.isPresent()) {
      return new SweepPlan(
          List.of(),
          List.of(),
          new SweepVerdict("Failed", SweepVerdict.INVALID_SPEC, invalid.get()));
    }
    if (unmeasurable.isPresent()) {
      return new SweepPlan(
          List.of(),
          List.of(),
          new SweepVerdict("Pending", SweepVerdict.OBJECTIVE_UNAVAILABLE, unmeasurable.get()));
    }
    long failed = o.trials().stream().filter(Trial::failed).count();
    int maxFailed = spec.maxFailedTrials == null ? 3 : spec.maxFailedTrials;
    if (failed > maxFailed) {
      List<Trial> stop = new ArrayList<>(o.trials().stream().filter(Trial::active).toList());
      if (o.baseline().active()) {
        stop.add(o.baseline());
      }
      return new SweepPlan(
          List.of(),
          stop,
          new SweepVerdict(
              "Failed",
              SweepVerdict.MAX_FAILED_TRIALS,
              failed
                  + " trials failed, more than maxFailedTrials ("
                  + maxFailed
                  + "); the trials still running were stopped"));
    }
    List<Trial> create = new ArrayList<>();
    if (!o.baseline().exists()) {
      create.add(o.baseline());
    }
    int parallel = spec.parallelTrials == null ? 1 : spec.parallelTrials;
    long slots = parallel - o.trials().stream().filter(Trial::active).count();
    for (Trial t : o.trials()) {
      if (slots <= 0) {
        break;
      }
      if (!t.exists()) {
        create.add(t);
        slots--;
      }
    }
    long finished = o.trials().stream().filter(Trial::finished).count();
    if (o.baseline().failed()) {
      List<Trial> stop = o.trials().stream().filter(Trial::active).toList();
      return new SweepPlan(
          List.of(),
          stop,
          new SweepVerdict(
              "Failed",
              SweepVerdict.BASELINE_FAILED,
              "the from-scratch baseline "
                  + o.baseline().name()
                  + " failed; no trial's gain can be measured"));
    }
    if (finished == o.trials().size() && o.baseline().succeeded()) {
      return new SweepPlan(
          List.of(),
          List.of(),
          new SweepVerdict(
              "Succeeded",
              SweepVerdict.COMPLETED,
              finished + " trials finished, " + failed + " failed"));
    }
    if (Boolean.TRUE.equals(spec.suspend)) {
      return suspended(o, finished);
    }
    return new SweepPlan(
        create,
        List.of(),
        List.of(),
        withBaseline(o).filter(Trial::resumable).toList(),
        new SweepVerdict(
            "Running",
            SweepVerdict.TRIALS_RUNNING,
            finished + " of " + o.trials().size() + " trials finished"));
  }

  /** spec.suspend, while some trial is not finished: none is created, the active ones suspended. */
  private static SweepPlan suspended(SweepObservation o, long finished) {
    return new SweepPlan(
        List.of(),
        List.of(),
        withBaseline(o).filter(Trial::suspendable).toList(),
        List.of(),
        new SweepVerdict(
            "Suspended",
            SweepVerdict.SUSPENDED,
            "spec.suspend is true: "
                + finished
                + " of "
                + o.trials().size()
                + " trials finished, the rest suspended"));
  }

  private static Stream<Trial> withBaseline(SweepObservation o) {
    return Stream.concat(o.trials().stream(), Stream.of(o.baseline()));
  }
}
