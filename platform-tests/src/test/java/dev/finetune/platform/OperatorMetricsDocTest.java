package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker PrometheusQueriesTest runs on a live operator's scrape, on fixed input. */
class OperatorMetricsDocTest {
  static final String SCRAPE =
      """
      # TYPE finetune_operator_jobs gauge
      finetune_operator_jobs{namespace="a",phase="Running"} 1.0
      # TYPE finetune_operator_progress_scrape_seconds summary
      finetune_operator_progress_scrape_seconds_count{outcome="ok"} 3
      finetune_operator_progress_scrape_seconds_sum{outcome="ok"} 0.2
      finetune_operator_progress_scrape_seconds_max{outcome="ok"} 0.1
      finetune_operator_progress_scrape_skipped_total 0.0
      reconciliations_started_total 4.0
      """;

  @TempDir Path dir;

  @Test
  void familiesDropTheirTypeSuffixes() {
    assertEquals(
        Set.of(
            "finetune_operator_jobs",
            "finetune_operator_progress_scrape_seconds",
            "finetune_operator_progress_scrape_skipped"),
        OperatorMetricsDoc.scraped(SCRAPE));
  }

  @Test
  void aMissingRowAndAStaleRowAreBothFound() throws Exception {
    Path doc =
        Files.writeString(
            dir.resolve("OPERATOR.md"),
            """
        | series | type |
        |---|---|
        | `finetune_operator_jobs` | gauge |
        | `finetune_operator_progress_scrape_seconds` | summary |
        | `finetune_operator_gone` | gauge |
        | `finetune_operator_job_storage_unreachable` | gauge; the series exists only then |
        """);
    List<String> problems = OperatorMetricsDoc.problems(SCRAPE, doc);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).startsWith("finetune_operator_progress_scrape_skipped is exposed"),
        problems.toString());
    assertTrue(problems.get(1).startsWith("finetune_operator_gone has a row"), problems.toString());
  }

  @Test
  void theShippedTableParses() throws Exception {
    Path doc = Tools.root().resolve("docs/OPERATOR.md");
    List<String> problems = OperatorMetricsDoc.problems(SCRAPE, doc);
    assertTrue(problems.stream().noneMatch(p -> p.contains("is exposed")), problems.toString());
  }
}
