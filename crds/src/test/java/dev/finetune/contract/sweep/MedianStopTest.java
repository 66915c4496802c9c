package dev.finetune.contract.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.sweep.SweepObjective.Direction;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MedianStopTest {
  /** direction, value, completed trials' values at the same epoch, minimum completed, stop? */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "MAXIMIZE | 0.50 | 0.6 0.7 0.8     | 3 | true",
        "MAXIMIZE | 0.70 | 0.6 0.7 0.8     | 3 | false",
        "MAXIMIZE | 0.75 | 0.6 0.7 0.8     | 3 | false",
        "MAXIMIZE | 0.50 | 0.6 0.7         | 3 | false",
        "MAXIMIZE | 0.64 | 0.6 0.7         | 2 | true",
        "MAXIMIZE | 0.65 | 0.6 0.7         | 2 | false",
        // a true median: the mean of these is 0.4, their median 0.1
        "MAXIMIZE | 0.20 | 0.1 0.1 1.0     | 1 | false",
        "MAXIMIZE | 0.05 | 0.1 0.1 1.0     | 1 | true",
        "MINIMIZE | 0.90 | 0.3 0.5 0.7     | 3 | true",
        "MINIMIZE | 0.40 | 0.3 0.5 0.7     | 3 | false",
        "MINIMIZE | 0.50 | 0.3 0.5 0.7     | 3 | false",
        "MAXIMIZE | 0.00 | ''              | 0 | false"
      })
  void rule(Direction direction, double value, String completed, int min, boolean stop) {
    List<Double> values =
        completed.isBlank()
            ? List.of()
            : Arrays.stream(completed.trim().split(" +")).map(Double::valueOf).toList();
    assertEquals(stop, MedianStop.stop(direction, value, values, min));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"3 | 3", "1 2 | 1.5", "5 1 3 | 3", "4 1 3 2 | 2.5"})
  void median(String values, double median) {
    assertEquals(
        median, MedianStop.median(Arrays.stream(values.split(" ")).map(Double::valueOf).toList()));
  }
}
