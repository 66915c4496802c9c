package dev.finetune.trainer.telemetry;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The README's metrics list names every series the trainer's registry exposes: the names come from
 * a real scrape, so a new gauge that the list misses fails here.
 */
class MetricsDocTest {
  @Test
  void theReadmeNamesEveryExposedSeries() throws Exception {
    Set<String> exposed = new TreeSet<>();
    try (TrainingMetrics m = new TrainingMetrics("ns", "job", -1)) {
      // one step and one epoch of each run, so every per-run series exists
      m.attempt(1);
      for (String run : new String[] {TrainingMetrics.RUN_FINETUNE, TrainingMetrics.RUN_BASELINE}) {
        m.runStarted(run, 1, 1);
        m.stepCompleted(run, 1, 1, 0.5, 8, java.time.Duration.ofMillis(10), 0);
        m.epochCompleted(run, 1, 0.5, 0.5, 0.5, 0.5, 0.7, 100);
      }
      m.checkpointWritten(java.time.Instant.now());
      m.badImagesSkipped(0);
      m.scrape()
          .lines()
          .filter(l -> l.startsWith("# TYPE "))
          .map(l -> l.split(" ")[2])
          .forEach(exposed::add);
    }
    assertTrue(exposed.size() >= 15 && exposed.contains("finetune_epoch"), exposed.toString());
    String readme = Files.readString(Path.of("../README.md"));
    int start = readme.indexOf("- **Metrics.** `GET :9400/metrics`");
    assertTrue(start >= 0, "README.md has no metrics list");
    String list = readme.substring(start, readme.indexOf("\n\n", start));
    Set<String> missing = new TreeSet<>();
    for (String name : exposed) {
      String base = name.replaceAll("_(total|bucket|count|sum|created|max)$", "");
      if (!list.contains("`" + name + "`")
          && !list.contains("`" + base + "`")
          && !list.contains("`" + name + "_total`")) {
        missing.add(name);
      }
    }
    assertTrue(missing.isEmpty(), "README.md's metrics list misses " + missing);
  }
}
