package dev.finetune.contract.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every FineTuneSweep under deploy/examples passes SweepValidator as the webhook runs it. */
class SweepExamplesTest {
  static final Path EXAMPLES = Path.of("../deploy/examples");

  static Stream<Path> sweeps() throws IOException {
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      List<Path> list =
          files
              .filter(p -> p.toString().endsWith(".yaml"))
              .filter(
                  p -> {
                    try {
                      return Files.readString(p).contains("\nkind: FineTuneSweep\n");
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .sorted()
              .toList();
      return list.stream();
    }
  }

  @Test
  void thereIsOne() throws IOException {
    assertFalse(sweeps().toList().isEmpty(), "no FineTuneSweep under " + EXAMPLES);
  }

  /**
   * Cluster examples pass the cluster's rules; the laptop ones under fashion-mnist/ (file:// data,
   * for bin/finetune sweep) pass the local rules and are refused by the cluster's with the reason,
   * as ExampleJobsTest holds the jobs there.
   */
  @ParameterizedTest
  @MethodSource("sweeps")
  void passesTheRulesOfWhereItRuns(Path example) throws IOException {
    FineTuneSweep sweep = Serialization.unmarshal(Files.readString(example), FineTuneSweep.class);
    if (example.toString().contains("/fashion-mnist/")) {
      assertEquals(List.of(), SweepValidator.validate(sweep, Placement.LOCAL, UriSchemes.TRAINER));
      assertTrue(
          SweepValidator.validate(sweep, Placement.CLUSTER, UriSchemes.CLUSTER_DEFAULT)
              .toString()
              .contains("scheme 'file' is not allowed in this cluster"));
    } else {
      assertEquals(
          List.of(), SweepValidator.validate(sweep, Placement.CLUSTER, UriSchemes.CLUSTER_DEFAULT));
    }
  }

  /** The hotdog example's grid: 3 freeze depths x 3 head multipliers, first slowest. */
  @Test
  void hotdogGrid() throws IOException {
    FineTuneSweep sweep =
        Serialization.unmarshal(
            Files.readString(EXAMPLES.resolve("hotdog-sweep.yaml")), FineTuneSweep.class);
    List<String> trials =
        SearchPoints.trials(sweep.getSpec()).stream().map(Assignment::text).toList();
    assertEquals(9, trials.size());
    assertEquals("training.freeze=, training.headLearningRateMultiplier=1", trials.get(0));
    assertEquals(
        "training.freeze=conv1,bn1,layer1,layer2," + " training.headLearningRateMultiplier=100",
        trials.get(8));
  }
}
