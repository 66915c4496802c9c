package dev.finetune.operator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.contract.sweep.Assignment;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SweepStatusBuilderTest {
  static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");

  /** verdict -> Ready, Reconciling, Stalled (kstatus). */
  static Stream<Arguments> kstatus() {
    return Stream.of(
        Arguments.of(new SweepVerdict("Running", "TrialsRunning", "1 of 4"), "False True False"),
        Arguments.of(new SweepVerdict("Succeeded", "Completed", "4"), "True False False"),
        Arguments.of(new SweepVerdict("Failed", "MaxFailedTrialsReached", "x"), "False False True"),
        Arguments.of(new SweepVerdict("Failed", "InvalidSpec", "x"), "False False True"),
        Arguments.of(new SweepVerdict("Pending", "ObjectiveUnavailable", "x"), "False False True"),
        Arguments.of(new SweepVerdict("Suspended", "Suspended", "x"), "False False False"));
  }

  @ParameterizedTest
  @MethodSource("kstatus")
  void conditions(SweepVerdict v, String readyReconcilingStalled) {
    FineTuneSweepStatus s =
        SweepStatusBuilder.build(SweepPlannerTest.observation("-", "-"), v, null, 3L, T0);
    assertEquals(
        readyReconcilingStalled,
        String.join(" ", s.conditions.stream().map(Condition::getStatus).toList()));
    assertEquals(
        List.of("Ready", "Reconciling", "Stalled"),
        s.conditions.stream().map(Condition::getType).toList());
    s.conditions.forEach(c -> assertEquals(3L, c.getObservedGeneration()));
    assertEquals(v.phase(), s.phase);
  }

  @Test
  void countsBaselineAndTable() {
    SweepObservation o =
        new SweepObservation(
            List.of(
                new Trial(
                    "s-a", new Assignment(Map.of("training.epochs", "1")), true, "Succeeded", 0.9),
                new Trial(
                    "s-b", new Assignment(Map.of("training.epochs", "2")), true, "Failed", null),
                new Trial(
                    "s-c", new Assignment(Map.of("training.epochs", "3")), true, "Running", null),
                new Trial(
                    "s-d", new Assignment(Map.of("training.epochs", "4")), true, "Suspended", null),
                new Trial("s-e", new Assignment(Map.of("training.epochs", "5")), true, null, null),
                Trial.missing("s-f", new Assignment(Map.of("training.epochs", "6")))),
            new Trial("s-baseline", null, true, "Succeeded", 0.7));
    FineTuneSweepStatus s =
        SweepStatusBuilder.build(
            o, new SweepVerdict("Running", "TrialsRunning", "m"), null, 1L, T0);
    assertEquals(5, s.counts.total);
    assertEquals(1, s.counts.succeeded);
    assertEquals(1, s.counts.failed);
    assertEquals(1, s.counts.running);
    assertEquals(2, s.counts.pending);
    assertEquals("s-baseline", s.baseline.job);
    assertEquals(0.7, s.baseline.testAccuracy);
    assertEquals(
        List.of("s-a", "s-b", "s-c", "s-d", "s-e"), s.trials.stream().map(r -> r.name).toList());
    assertEquals(Map.of("training.epochs", "1"), s.trials.get(0).parameters);
    assertEquals(0.9, s.trials.get(0).testAccuracy);
    assertNull(s.trials.get(0).objective, "no validation metric to read yet");
    assertNull(s.bestTrial, "no trial is chosen on the test split");
  }

  /** An ended sweep: the best trial, each row's objective, the Promoted condition and URI. */
  @Test
  void bestTrialAndPromotion() {
    SweepObservation o = BestTrialsTest.observation("Succeeded Succeeded Succeeded", 0.5, 0.7, 0.6);
    var best =
        BestTrials.best(o, new dev.finetune.api.v1alpha1.sweep.SweepObjective()).orElseThrow();
    SweepVerdict done = new SweepVerdict("Succeeded", "Completed", "3 trials finished");
    FineTuneSweepStatus s =
        SweepStatusBuilder.build(
            o,
            done,
            null,
            1L,
            T0,
            best,
            PromotionOutcome.promoted("s3://b/sweeps/s/best/model.safetensors", "promoted"),
            Map.of());
    assertEquals("s-b", s.bestTrial.name);
    assertEquals(0.7, s.bestTrial.objective);
    assertEquals(List.of(0.5, 0.7, 0.6), s.trials.stream().map(r -> r.objective).toList());
    assertEquals("s3://b/sweeps/s/best/model.safetensors", s.promotedModelUri);
    Condition promoted = s.conditions.get(3);
    assertEquals(
        List.of("Promoted", "True", "Promoted"),
        List.of(promoted.getType(), promoted.getStatus(), promoted.getReason()));
    FineTuneSweepStatus below =
        SweepStatusBuilder.build(
            o,
            done,
            s,
            1L,
            T0.plusSeconds(5),
            best,
            PromotionOutcome.not(PromotionOutcome.BELOW_MIN_DELTA, "below"),
            Map.of());
    assertNull(below.promotedModelUri);
    assertEquals(
        List.of("False", "BelowMinDelta", "below"),
        List.of(
            below.conditions.get(3).getStatus(),
            below.conditions.get(3).getReason(),
            below.conditions.get(3).getMessage()));
    assertEquals(4, below.conditions.size());
  }

  @Test
  void tableIsBounded() {
    List<Trial> many = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      many.add(
          new Trial(
              "t" + i, new Assignment(Map.of("training.seed", "" + i)), true, "Succeeded", null));
    }
    FineTuneSweepStatus s =
        SweepStatusBuilder.build(
            new SweepObservation(many, Trial.missing("b", null)),
            new SweepVerdict("Running", "TrialsRunning", ""),
            null,
            1L,
            T0);
    assertEquals(FineTuneSweepStatus.MAX_TABLE_ROWS, s.trials.size());
    assertEquals(80, s.counts.total);
  }

  /** The same observation later: same status, so no write; a change keeps unchanged times. */
  @Test
  void transitionsKeepTimesAndSameSkipsWrites() {
    SweepObservation o = SweepPlannerTest.observation("Running -", "Running");
    SweepVerdict running = new SweepVerdict("Running", "TrialsRunning", "0 of 2");
    FineTuneSweepStatus first = SweepStatusBuilder.build(o, running, null, 1L, T0);
    FineTuneSweepStatus again = SweepStatusBuilder.build(o, running, first, 1L, T0.plusSeconds(60));
    assertTrue(SweepStatusBuilder.same(first, again));
    FineTuneSweepStatus done =
        SweepStatusBuilder.build(
            o, new SweepVerdict("Succeeded", "Completed", "2"), again, 1L, T0.plusSeconds(120));
    assertFalse(SweepStatusBuilder.same(again, done));
    assertEquals(T0.plusSeconds(120).toString(), done.conditions.get(0).getLastTransitionTime());
    assertEquals(
        T0.toString(), done.conditions.get(2).getLastTransitionTime(), "Stalled stayed False");
  }
}
