package dev.finetune.operator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.sweep.EpochObjective;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.api.v1alpha1.sweep.SweepEarlyStopping;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import dev.finetune.api.v1alpha1.sweep.TrialRow;
import dev.finetune.contract.sweep.Assignment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The median rule as the operator applies it: three succeeded trials whose curves are in the last
 * status (epoch 2: 0.5, 0.6, 0.9; median 0.6), and one running trial reporting its objective at an
 * epoch.
 */
class EarlyStoppingTest {
  static Stream<Arguments> table() {
    return Stream.of(
        // running trial's epoch and value, direction, minCompletedTrials, stopped?
        Arguments.of(2, 0.55, "maximize", 3, true),
        Arguments.of(2, 0.6, "maximize", 3, false),
        Arguments.of(2, 0.65, "maximize", 3, false),
        Arguments.of(2, 0.55, "maximize", 4, false),
        Arguments.of(2, 0.65, "minimize", 3, true),
        Arguments.of(2, 0.55, "minimize", 3, false),
        // epoch 1: only s-a and s-b have a value there (0.4, 0.5; median 0.45)
        Arguments.of(1, 0.44, "maximize", 2, true),
        Arguments.of(1, 0.44, "maximize", 3, false),
        // epoch 3: nobody completed it
        Arguments.of(3, 0.1, "maximize", 1, false));
  }

  @ParameterizedTest(name = "epoch {0} value {1} {2} min {3} -> stop {4}")
  @MethodSource("table")
  void medianRule(int epoch, double value, String direction, int min, boolean stopped) {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.earlyStopping = new SweepEarlyStopping();
    spec.earlyStopping.minCompletedTrials = min;
    spec.objective.direction =
        "minimize".equals(direction)
            ? SweepObjective.Direction.MINIMIZE
            : SweepObjective.Direction.MAXIMIZE;
    SweepObservation o =
        observation(
            new Trial(
                "s-d",
                new Assignment(Map.of("x", "4")),
                true,
                "Running",
                null,
                value,
                epoch,
                false));
    var curves = EarlyStopping.curves(o, previous());
    assertEquals(value, curves.get("s-d").get(epoch - 1), "the running trial's point is kept");
    List<EarlyStopping.Stop> stops = EarlyStopping.stops(spec, o, curves);
    assertEquals(
        stopped ? List.of("s-d") : List.of(), stops.stream().map(s -> s.trial().name()).toList());
    spec.earlyStopping = null;
    assertEquals(List.of(), EarlyStopping.stops(spec, o, curves), "off without earlyStopping");
  }

  @org.junit.jupiter.api.Test
  void aStoppedTrialSaysWhyAndCountsOnceAsEarlyStopped() {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.earlyStopping = new SweepEarlyStopping();
    SweepObservation o =
        observation(
            new Trial(
                "s-d", new Assignment(Map.of("x", "4")), true, "Running", null, 0.3, 2, false));
    assertEquals(
        "epoch 2: objective 0.3000 is worse than the median 0.6000 of 3 completed"
            + " trials there",
        EarlyStopping.stops(spec, o, EarlyStopping.curves(o, previous())).get(0).why());
    SweepObservation after =
        observation(
            new Trial(
                "s-d", new Assignment(Map.of("x", "4")), true, "Suspended", null, 0.3, 2, true));
    assertEquals(
        List.of(),
        EarlyStopping.stops(spec, after, EarlyStopping.curves(after, previous())),
        "stopped once");
    FineTuneSweepStatus s =
        SweepStatusBuilder.build(
            after,
            new SweepVerdict("Succeeded", "Completed", ""),
            null,
            1L,
            java.time.Instant.EPOCH,
            null,
            null,
            EarlyStopping.curves(after, previous()));
    assertEquals(1, s.counts.earlyStopped);
    assertEquals(3, s.counts.succeeded);
    assertEquals(0, s.counts.running + s.counts.pending);
    assertEquals("EarlyStopped", s.trials.get(3).phase);
    assertEquals(
        List.of("2=0.3"),
        text(s.trials.get(3).objectiveByEpoch),
        "epoch 1 was never seen: left out, never a null item (the API server refuses those)");
    assertEquals(List.of("1=0.4", "2=0.5"), text(s.trials.get(0).objectiveByEpoch));
    assertEquals(
        List.of("2=0.9"), text(s.trials.get(2).objectiveByEpoch), "the gap survives a round trip");
    assertEquals(
        "Succeeded",
        SweepPlanner.plan(spec, after, java.util.Optional.empty(), java.util.Optional.empty())
            .verdict()
            .phase(),
        "an early-stopped trial is finished");
  }

  /**
   * Hostile curves: status rows without an epoch, with epoch 0, -3 or 2^31 - 1, or without a value,
   * and a trial whose scrape claims epoch 2^31 - 1, are ignored; nothing grows a list that long.
   */
  @Test
  void implausibleEpochsAreIgnored() {
    FineTuneSweepStatus previous = new FineTuneSweepStatus();
    TrialRow hostile = new TrialRow();
    hostile.name = "s-a";
    hostile.objectiveByEpoch =
        Arrays.asList(
            new EpochObjective(),
            new EpochObjective(0, 0.1),
            new EpochObjective(-3, 0.1),
            new EpochObjective(Integer.MAX_VALUE, 0.1),
            null,
            new EpochObjective(2, 0.7));
    hostile.objectiveByEpoch.get(0).objective = 0.2;
    previous.trials = List.of(hostile);
    SweepObservation o =
        observation(
            new Trial(
                "s-d",
                new Assignment(Map.of("x", "4")),
                true,
                "Running",
                null,
                0.1,
                Integer.MAX_VALUE,
                false));
    var curves = EarlyStopping.curves(o, previous);
    assertEquals(Arrays.asList(null, 0.7), curves.get("s-a"));
    assertEquals(null, curves.get("s-d"), "no point at an impossible epoch");
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.earlyStopping = new SweepEarlyStopping();
    assertEquals(List.of(), EarlyStopping.stops(spec, o, curves));
  }

  static SweepObservation observation(Trial running) {
    List<Trial> trials = new ArrayList<>();
    for (String n : List.of("s-a", "s-b", "s-c")) {
      trials.add(new Trial(n, new Assignment(Map.of("x", n)), true, "Succeeded", 0.8));
    }
    trials.add(running);
    return new SweepObservation(trials, new Trial("s-baseline", null, true, "Succeeded", 0.5));
  }

  static FineTuneSweepStatus previous() {
    FineTuneSweepStatus s = new FineTuneSweepStatus();
    s.trials = List.of(row("s-a", 0.4, 0.5), row("s-b", 0.5, 0.6), row("s-c", null, 0.9));
    return s;
  }

  static TrialRow row(String name, Double... values) {
    TrialRow r = new TrialRow();
    r.name = name;
    r.objectiveByEpoch = EarlyStopping.rows(Arrays.asList(values));
    return r;
  }

  static List<String> text(List<EpochObjective> rows) {
    return rows.stream().map(r -> r.epoch + "=" + r.objective).toList();
  }
}
