package dev.finetune.operator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.contract.sweep.Assignment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner as a table. Each row: trial phases in plan order ("-" missing, "?" created without a
 * phase yet, else the FineTuneJob's phase), the baseline's, parallelTrials, maxFailedTrials; then
 * what it creates, what it stops, and the verdict's phase and reason.
 */
class SweepPlannerTest {
  static final Optional<String> MEASURABLE = Optional.empty();

  static Stream<Arguments> table() {
    return Stream.of(
        row(
            "fresh sweep: baseline and parallelTrials trials",
            "- - - -",
            "-",
            2,
            3,
            "b t0 t1",
            "",
            "Running",
            "TrialsRunning"),
        row(
            "a slot frees when a trial finishes",
            "Succeeded Running - -",
            "Running",
            2,
            3,
            "t2",
            "",
            "Running",
            "TrialsRunning"),
        row(
            "pending and suspended trials hold their slot",
            "? Suspended - -",
            "Pending",
            2,
            3,
            "",
            "",
            "Running",
            "TrialsRunning"),
        row(
            "a failed trial is never created again",
            "Failed Succeeded - -",
            "Succeeded",
            1,
            3,
            "t2",
            "",
            "Running",
            "TrialsRunning"),
        row(
            "failures up to maxFailedTrials go on",
            "Failed Failed Running -",
            "Succeeded",
            2,
            2,
            "t3",
            "",
            "Running",
            "TrialsRunning"),
        row(
            "one more fails the sweep and stops the rest",
            "Failed Failed Failed Running",
            "Running",
            2,
            2,
            "",
            "t3 b",
            "Failed",
            "MaxFailedTrialsReached"),
        row(
            "maxFailedTrials 0: the first failure ends it",
            "Failed Running - -",
            "Succeeded",
            2,
            0,
            "",
            "t1",
            "Failed",
            "MaxFailedTrialsReached"),
        row(
            "all finished and the baseline too: done",
            "Succeeded Failed Succeeded Succeeded",
            "Succeeded",
            2,
            3,
            "",
            "",
            "Succeeded",
            "Completed"),
        row(
            "all trials finished, the baseline still runs",
            "Succeeded Succeeded Succeeded" + " Succeeded",
            "Running",
            2,
            3,
            "",
            "",
            "Running",
            "TrialsRunning"),
        row(
            "the baseline failed: no gain can be measured",
            "Running Succeeded - -",
            "Failed",
            2,
            3,
            "",
            "t0",
            "Failed",
            "BaselineFailed"),
        row(
            "a deleted baseline is created again (it never finished)",
            "Succeeded - - -",
            "-",
            1,
            3,
            "b t1",
            "",
            "Running",
            "TrialsRunning"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void plan(
      String name,
      String trials,
      String baseline,
      int parallel,
      int maxFailed,
      String create,
      String stop,
      String phase,
      String reason) {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.parallelTrials = parallel;
    spec.maxFailedTrials = maxFailed;
    SweepPlan p =
        SweepPlanner.plan(spec, observation(trials, baseline), Optional.empty(), MEASURABLE);
    assertEquals(create, names(p.create()), "create");
    assertEquals(stop, names(p.stop()), "stop");
    assertEquals(phase, p.verdict().phase());
    assertEquals(reason, p.verdict().reason());
  }

  /** An ended sweep stays ended: a finished trial deleted afterwards is not trained again. */
  @Test
  void anEndedSweepCreatesNothingMore() {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    SweepVerdict done = new SweepVerdict("Succeeded", "Completed", "2 trials finished");
    SweepPlan p =
        SweepPlanner.plan(
            spec, observation("- Succeeded", "Succeeded"), Optional.empty(), MEASURABLE, done);
    assertEquals(List.of(), p.create());
    assertEquals(done, p.verdict());
    SweepVerdict failed = new SweepVerdict("Failed", "MaxFailedTrialsReached", "4 failed");
    assertEquals(
        List.of(),
        SweepPlanner.plan(spec, observation("- -", "-"), Optional.empty(), MEASURABLE, failed)
            .create());
    // an invalid spec is not an end: the same object is judged again on every reconcile
    SweepVerdict invalid = new SweepVerdict("Failed", "InvalidSpec", "x");
    assertEquals(
        "b t0",
        names(
            SweepPlanner.plan(spec, observation("- -", "-"), Optional.empty(), MEASURABLE, invalid)
                .create()));
  }

  /**
   * spec.suspend: nothing is created, the active trials and the baseline are suspended (those
   * already suspended are left alone), finished and early-stopped ones are not touched; the verdict
   * is Suspended and not working.
   */
  @Test
  void aSuspendedSweepSuspendsItsActiveTrialsAndCreatesNone() {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.parallelTrials = 3;
    spec.suspend = true;
    SweepObservation o =
        new SweepObservation(
            List.of(
                suspendable("t0", "Succeeded", false, false),
                suspendable("t1", "Running", false, false),
                suspendable("t2", "Suspended", false, true),
                suspendable("t3", "Suspended", true, true),
                Trial.missing("t4", new Assignment(Map.of("training.epochs", "4")))),
            suspendable("b", "Running", false, false));
    SweepPlan p = SweepPlanner.plan(spec, o, Optional.empty(), MEASURABLE);
    assertEquals("", names(p.create()));
    assertEquals("t1 b", names(p.suspend()));
    assertEquals("", names(p.resume()));
    assertEquals("Suspended", p.verdict().phase());
    assertEquals("Suspended", p.verdict().reason());
    assertEquals(true, p.verdict().suspended());
    assertEquals(false, p.verdict().stalled());

    // resumed: the trials it suspended continue, the early-stopped one stays, new ones start
    spec.suspend = false;
    SweepObservation suspended =
        new SweepObservation(
            List.of(
                suspendable("t0", "Succeeded", false, false),
                bySweep("t1", "Suspended"),
                bySweep("t2", "Suspended"),
                suspendable("t3", "Suspended", true, true),
                Trial.missing("t4", new Assignment(Map.of("training.epochs", "4"))),
                suspendable("t5", "Suspended", false, true)),
            bySweep("b", "Suspended"));
    SweepPlan r = SweepPlanner.plan(spec, suspended, Optional.empty(), MEASURABLE);
    assertEquals("t1 t2 b", names(r.resume()), "t5 was suspended by a user: it stays");
    assertEquals("", names(r.suspend()));
    assertEquals("", names(r.create()), "t1, t2 and t5 hold the three parallelTrials slots");
    spec.parallelTrials = 4;
    assertEquals(
        "t4", names(SweepPlanner.plan(spec, suspended, Optional.empty(), MEASURABLE).create()));
    assertEquals("Running", r.verdict().phase());
  }

  /** A sweep whose trials all finished ends even while suspended: there is nothing to hold. */
  @Test
  void aSuspendedSweepWhoseTrialsFinishedSucceeds() {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.suspend = true;
    SweepPlan p =
        SweepPlanner.plan(
            spec, observation("Succeeded Failed", "Succeeded"), Optional.empty(), MEASURABLE);
    assertEquals("Succeeded", p.verdict().phase());
    assertEquals("", names(p.suspend()));
  }

  static Trial suspendable(String name, String phase, boolean earlyStopped, boolean suspendSet) {
    return trial(name, phase, earlyStopped, suspendSet, false);
  }

  /** Suspended by the sweep (its annotation set). */
  static Trial bySweep(String name, String phase) {
    return trial(name, phase, false, true, true);
  }

  static Trial trial(
      String name, String phase, boolean earlyStopped, boolean suspendSet, boolean bySweep) {
    return new Trial(
        name,
        name.equals("b") ? null : new Assignment(Map.of("training.epochs", name.substring(1))),
        true,
        phase,
        null,
        null,
        null,
        earlyStopped,
        suspendSet,
        bySweep);
  }

  @Test
  void invalidSpecCreatesNothing() {
    SweepPlan p =
        SweepPlanner.plan(
            new FineTuneSweepSpec(),
            observation("- -", "-"),
            Optional.of("spec.parallelTrials: must be in [1, 100], got 0"),
            MEASURABLE);
    assertEquals(List.of(), p.create());
    assertEquals("Failed", p.verdict().phase());
    assertEquals("InvalidSpec", p.verdict().reason());
    assertEquals("spec.parallelTrials: must be in [1, 100], got 0", p.verdict().message());
  }

  /** An objective the trainer cannot measure yet: no trial starts, and the sweep says why. */
  @Test
  void unmeasurableObjectiveStartsNothing() {
    SweepPlan p =
        SweepPlanner.plan(
            new FineTuneSweepSpec(),
            observation("- -", "-"),
            Optional.empty(),
            Optional.of("spec.objective.metric: not yet"));
    assertEquals(List.of(), p.create());
    assertEquals("Pending", p.verdict().phase());
    assertEquals("ObjectiveUnavailable", p.verdict().reason());
    assertEquals(true, p.verdict().stalled());
  }

  static Arguments row(
      String name,
      String trials,
      String baseline,
      int parallel,
      int maxFailed,
      String create,
      String stop,
      String phase,
      String reason) {
    return Arguments.of(name, trials, baseline, parallel, maxFailed, create, stop, phase, reason);
  }

  static SweepObservation observation(String trials, String baseline) {
    List<Trial> list = new ArrayList<>();
    String[] phases = trials.split(" ");
    for (int i = 0; i < phases.length; i++) {
      list.add(trial("t" + i, new Assignment(Map.of("training.epochs", "" + i)), phases[i]));
    }
    return new SweepObservation(list, trial("b", null, baseline));
  }

  static Trial trial(String name, Assignment a, String phase) {
    return switch (phase) {
      case "-" -> Trial.missing(name, a);
      case "?" -> new Trial(name, a, true, null, null);
      default -> new Trial(name, a, true, phase, null);
    };
  }

  static String names(List<Trial> trials) {
    return String.join(" ", trials.stream().map(Trial::name).toList());
  }
}
