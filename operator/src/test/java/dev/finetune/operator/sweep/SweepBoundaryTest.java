package dev.finetune.operator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The sweep controller never reaches into the FineTuneJob controller: of the operator's own
 * packages it imports only its configuration, the Event recorder, the shared condition builder, its
 * own gauge (metrics/SweepGauge) and the S3 client of a credentialsSecret (storage/, which
 * promotion uses to copy the best model; it holds no job state). Trials are FineTuneJobs, read
 * through the API types like any client reads them.
 */
class SweepBoundaryTest {
  static final Set<String> ALLOWED =
      Set.of(
          "dev.finetune.operator.config.OperatorConfig",
          "dev.finetune.operator.status.EventRecorder",
          "dev.finetune.operator.status.ConditionTransition",
          "dev.finetune.operator.metrics.SweepGauge",
          "dev.finetune.operator.storage.S3Storage",
          "dev.finetune.operator.storage.StorageException");

  @Test
  void importsNothingOfTheJobController() throws IOException {
    Path dir = Path.of("src/main/java/dev/finetune/operator/sweep");
    List<String> offending;
    try (Stream<Path> files = Files.list(dir)) {
      offending =
          files
              .flatMap(
                  f -> {
                    try {
                      return Files.readAllLines(f).stream()
                          .filter(l -> l.startsWith("import "))
                          .map(l -> l.substring(7, l.length() - 1).trim())
                          .filter(
                              i ->
                                  i.startsWith("dev.finetune.operator.")
                                      && !i.startsWith("dev.finetune.operator.sweep.")
                                      && !ALLOWED.contains(i))
                          .map(i -> f.getFileName() + ": " + i);
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .toList();
    }
    assertEquals(List.of(), offending);
  }
}
