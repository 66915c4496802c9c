package dev.finetune.contract.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.SearchSpace;
import dev.finetune.api.v1alpha1.sweep.SweepAlgorithm;
import dev.finetune.api.v1alpha1.sweep.SweepParameter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SearchPointsTest {
  static Stream<Arguments> spaces() {
    return Stream.of(
        Arguments.of(SearchSpace.uniform(0, 1, 5), List.of("0", "0.25", "0.5", "0.75", "1")),
        Arguments.of(SearchSpace.uniform(0.1, 0.3, 1), List.of("0.1")),
        Arguments.of(SearchSpace.uniform(0.1, 0.3, 3), List.of("0.1", "0.2", "0.3")),
        Arguments.of(SearchSpace.logUniform(1e-5, 1e-3, 3), List.of("0.00001", "0.0001", "0.001")),
        Arguments.of(SearchSpace.logUniform(1, 1000, 4), List.of("1", "10", "100", "1000")),
        Arguments.of(SearchSpace.integer(1, 5, null), List.of("1", "2", "3", "4", "5")),
        Arguments.of(SearchSpace.integer(16, 64, 16L), List.of("16", "32", "48", "64")),
        Arguments.of(SearchSpace.integer(1, 6, 2L), List.of("1", "3", "5")),
        Arguments.of(SearchSpace.integer(3, 3, null), List.of("3")),
        Arguments.of(
            SearchSpace.categorical("", "conv1", "conv1,bn1"), List.of("", "conv1", "conv1,bn1")));
  }

  @ParameterizedTest
  @MethodSource("spaces")
  void gridValues(SearchSpace space, List<String> expected) {
    assertEquals(expected, SearchPoints.gridValues(space));
    assertEquals(expected.size(), SearchPoints.spaceSize(space));
  }

  @Test
  void gridFirstParameterSlowest() {
    FineTuneSweepSpec spec =
        spec(
            new SweepAlgorithm(),
            null,
            new SweepParameter("training.epochs", SearchSpace.integer(1, 2, null)),
            new SweepParameter("training.lossReduction", SearchSpace.categorical("mean", "sum")));
    assertEquals(
        List.of(
            Map.of("training.epochs", "1", "training.lossReduction", "mean"),
            Map.of("training.epochs", "1", "training.lossReduction", "sum"),
            Map.of("training.epochs", "2", "training.lossReduction", "mean"),
            Map.of("training.epochs", "2", "training.lossReduction", "sum")),
        SearchPoints.trials(spec).stream().map(Assignment::values).toList());
    assertEquals(
        List.of("training.epochs", "training.lossReduction"),
        List.copyOf(SearchPoints.trials(spec).get(3).values().keySet()));
  }

  @Test
  void maxTrialsCutsTheGridShort() {
    FineTuneSweepSpec spec =
        spec(
            new SweepAlgorithm(),
            3,
            new SweepParameter("training.epochs", SearchSpace.integer(1, 10, null)));
    assertEquals(
        List.of("1", "2", "3"),
        SearchPoints.trials(spec).stream().map(a -> a.values().get("training.epochs")).toList());
  }

  /** Sizes multiply, and saturate instead of overflowing. */
  @Test
  void gridSize() {
    SweepParameter big = new SweepParameter("training.seed", SearchSpace.integer(0, 999_999, null));
    assertEquals(1_000_000, SearchPoints.gridSize(List.of(big)));
    assertEquals(
        3_000_000,
        SearchPoints.gridSize(
            List.of(
                big,
                new SweepParameter(
                    "training.lossReduction", SearchSpace.categorical("a", "b", "c")))));
    assertEquals(Long.MAX_VALUE, SearchPoints.gridSize(List.of(big, big, big, big)));
    assertEquals(
        0,
        SearchPoints.gridSize(
            List.of(big, new SweepParameter("training.epochs", SearchSpace.integer(5, 1, null)))));
  }

  @Test
  void randomIsDeterministicDistinctAndInRange() {
    SweepParameter lr =
        new SweepParameter("training.learningRate", SearchSpace.logUniform(1e-5, 1e-2, null));
    SweepParameter wd =
        new SweepParameter("training.weightDecay", SearchSpace.uniform(0, 0.01, null));
    SweepParameter bs = new SweepParameter("training.batchSize", SearchSpace.integer(16, 128, 16L));
    FineTuneSweepSpec a = spec(SweepAlgorithm.random(7), 20, lr, wd, bs);
    List<Assignment> first = SearchPoints.trials(a);
    assertEquals(20, first.size());
    assertEquals(first, SearchPoints.trials(spec(SweepAlgorithm.random(7), 20, lr, wd, bs)));
    assertNotEquals(first, SearchPoints.trials(spec(SweepAlgorithm.random(8), 20, lr, wd, bs)));
    assertEquals(20, new HashSet<>(first).size());
    for (Assignment t : first) {
      double l = Double.parseDouble(t.values().get("training.learningRate"));
      double w = Double.parseDouble(t.values().get("training.weightDecay"));
      long b = Long.parseLong(t.values().get("training.batchSize"));
      assertTrue(l >= 1e-5 && l <= 1e-2, t.text());
      assertTrue(w >= 0 && w <= 0.01, t.text());
      assertTrue(b >= 16 && b <= 128 && (b - 16) % 16 == 0, t.text());
    }
  }

  /** A seeded draw is pinned: changing the generator would rename every trial in Git. */
  @Test
  void randomDrawIsPinned() {
    FineTuneSweepSpec spec =
        spec(
            SweepAlgorithm.random(42),
            2,
            new SweepParameter("training.batchSize", SearchSpace.integer(1, 1000, null)));
    List<String> drawn =
        SearchPoints.trials(spec).stream().map(t -> t.values().get("training.batchSize")).toList();
    assertEquals(PINNED_DRAW, drawn);
  }

  static final List<String> PINNED_DRAW = List.of("707", "146");

  /** A space smaller than maxTrials gives each point once. */
  @Test
  void randomNeverRepeats() {
    FineTuneSweepSpec spec =
        spec(
            SweepAlgorithm.random(1),
            10,
            new SweepParameter("training.lossReduction", SearchSpace.categorical("mean", "sum")));
    List<Assignment> trials = SearchPoints.trials(spec);
    assertEquals(2, trials.size());
    assertEquals(2, new HashSet<>(trials).size());
  }

  static FineTuneSweepSpec spec(
      SweepAlgorithm algorithm, Integer maxTrials, SweepParameter... parameters) {
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.algorithm = algorithm;
    spec.maxTrials = maxTrials;
    spec.parameters = List.of(parameters);
    return spec;
  }
}
