package dev.finetune.operator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.sweep.BestTrial;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import dev.finetune.api.v1alpha1.sweep.SweepPromotion;
import dev.finetune.contract.sweep.Assignment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The best trial by the objective, and whether promotion copies it, as a table. */
class BestTrialsTest {
  /** Trials a, b, c: phase and objective; a: test 0.8, b: 0.9, c: 0.7; baseline test 0.6. */
  static SweepObservation observation(String phases, Double oa, Double ob, Double oc) {
    String[] p = phases.split(" ");
    Double[] objective = {oa, ob, oc};
    double[] test = {0.8, 0.9, 0.7};
    List<Trial> trials = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String name = "s-" + (char) ('a' + i);
      trials.add(
          new Trial(
              name,
              new Assignment(Map.of("training.learningRate", "0.0" + (i + 1))),
              true,
              p[i],
              test[i],
              objective[i]));
    }
    return new SweepObservation(trials, new Trial("s-baseline", null, true, "Succeeded", 0.6));
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // phases, objectives a b c, direction, minDelta, best, promotion reason (null: copy)
        Arguments.of("Succeeded Succeeded Succeeded", 0.5, 0.7, 0.6, "maximize", null, "s-b", null),
        Arguments.of("Succeeded Succeeded Succeeded", 0.5, 0.7, 0.6, "minimize", null, "s-a", null),
        Arguments.of("Succeeded Failed Succeeded", 0.5, 0.9, 0.6, "maximize", null, "s-c", null),
        Arguments.of("Succeeded Running Succeeded", 0.5, 0.9, 0.5, "maximize", null, "s-a", null),
        Arguments.of(
            "Succeeded Succeeded Succeeded", 0.5, null, 0.6, "maximize", null, "s-c", null),
        Arguments.of("Succeeded Succeeded Succeeded", 0.5, 0.7, 0.6, "maximize", 0.3, "s-b", null),
        Arguments.of(
            "Succeeded Succeeded Succeeded",
            0.5,
            0.7,
            0.6,
            "maximize",
            0.31,
            "s-b",
            "BelowMinDelta"),
        Arguments.of(
            "Succeeded Succeeded Succeeded",
            0.9,
            0.7,
            0.6,
            "maximize",
            0.25,
            "s-a",
            "BelowMinDelta"),
        Arguments.of("Failed Failed Failed", 0.5, 0.7, 0.6, "maximize", null, null, "NoBestTrial"));
  }

  @ParameterizedTest(name = "{0} {1}/{2}/{3} {4} minDelta {5}")
  @MethodSource("table")
  void bestAndPromotion(
      String phases,
      Double oa,
      Double ob,
      Double oc,
      String direction,
      Double minDelta,
      String best,
      String reason) {
    SweepObjective objective = new SweepObjective();
    objective.direction =
        "minimize".equals(direction)
            ? SweepObjective.Direction.MINIMIZE
            : SweepObjective.Direction.MAXIMIZE;
    Optional<BestTrial> b = BestTrials.best(observation(phases, oa, ob, oc), objective);
    assertEquals(best, b.map(t -> t.name).orElse(null));
    b.ifPresent(
        t -> {
          double test = Map.of("s-a", 0.8, "s-b", 0.9, "s-c", 0.7).get(t.name);
          assertEquals(test - 0.6, t.accuracyGain, 1e-12);
          assertEquals(test, t.testAccuracy);
          assertEquals(
              Map.of("training.learningRate", "0.0" + (t.name.charAt(2) - 'a' + 1)), t.parameters);
        });
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    if (minDelta != null) {
      spec.promotion = new SweepPromotion();
      spec.promotion.minDelta = minDelta;
    }
    assertEquals(
        reason, PromotionOutcome.decide(spec, b).map(PromotionOutcome::reason).orElse(null));
  }

  @org.junit.jupiter.api.Test
  void belowMinDeltaSaysByHowMuch() {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.promotion = new SweepPromotion();
    spec.promotion.minDelta = 0.35;
    Optional<BestTrial> b =
        BestTrials.best(
            observation("Succeeded Succeeded Succeeded", 0.5, 0.7, 0.6), new SweepObjective());
    assertEquals(
        "best trial s-b gains 0.3000 test accuracy over the baseline, below"
            + " spec.promotion.minDelta 0.3500; nothing promoted",
        PromotionOutcome.decide(spec, b).orElseThrow().message());
  }
}
