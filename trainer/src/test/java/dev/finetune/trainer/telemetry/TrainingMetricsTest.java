package dev.finetune.trainer.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrainingMetricsTest {

  private static final String NS = "team-a";
  private static final String JOB = "resnet-cats";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Every family the class promises, by exposed (suffixed) sample name. */
  static final List<String> PER_RUN =
      List.of(
          "finetune_epoch",
          "finetune_total_epochs",
          "finetune_global_step",
          "finetune_total_steps",
          "finetune_progress_ratio",
          "finetune_train_loss",
          "finetune_train_epoch_loss",
          "finetune_train_accuracy",
          "finetune_test_accuracy",
          "finetune_validation_accuracy",
          "finetune_validation_loss",
          "finetune_validation_epoch",
          "finetune_images_per_second",
          "finetune_eta_seconds",
          "finetune_images_processed_total",
          "finetune_step_duration_seconds_bucket",
          "finetune_step_duration_seconds_count",
          "finetune_step_duration_seconds_sum",
          "finetune_step_duration_seconds_max");

  static final List<String> PER_PROCESS =
      List.of(
          "finetune_baseline_test_accuracy",
          "finetune_last_checkpoint_timestamp_seconds",
          "finetune_attempt",
          "finetune_checkpoints_written_total",
          "finetune_bad_images_skipped_total",
          "finetune_storage_unavailable",
          "finetune_storage_retries_total");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private TrainingMetrics metrics;

  @BeforeEach
  void start() {
    metrics = new TrainingMetrics(NS, JOB, 0);
  }

  @AfterEach
  void stop() {
    metrics.close();
  }

  /** Two epochs of 3 steps for the fine-tuning run, one evaluation for the baseline. */
  private void drive() {
    metrics.attempt(2);
    metrics.runStarted(TrainingMetrics.RUN_BASELINE, 1, 0);
    metrics.epochCompleted(
        TrainingMetrics.RUN_BASELINE, 1, Double.NaN, Double.NaN, 0.31, Double.NaN, Double.NaN, 0);
    metrics.runStarted(TrainingMetrics.RUN_FINETUNE, 2, 6);
    long[] millis = {5, 20, 300, 1500, 20, 20};
    long step = 0;
    for (int epoch = 1; epoch <= 2; epoch++) {
      for (int i = 0; i < 3; i++) {
        step++;
        metrics.stepCompleted(
            TrainingMetrics.RUN_FINETUNE,
            step,
            epoch,
            2.0 / step,
            32,
            Duration.ofMillis(millis[(int) step - 1]),
            6 - step);
      }
      metrics.epochCompleted(
          TrainingMetrics.RUN_FINETUNE,
          epoch,
          1.0 / epoch,
          0.5 + 0.2 * epoch,
          0.4 + 0.25 * epoch,
          epoch == 1 ? 0.6 : Double.NaN,
          epoch == 1 ? 0.9 : Double.NaN,
          250.0 * epoch);
      metrics.checkpointWritten(Instant.ofEpochSecond(1_700_000_000L + epoch, 500_000_000));
    }
    metrics.badImagesSkipped(3);
    metrics.badImagesSkipped(0);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.port() + path))
            .timeout(TIMEOUT)
            .GET()
            .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesMetricsOverHttp() throws Exception {
    assertTrue(metrics.port() > 0);
    drive();
    HttpResponse<String> resp = get("/metrics");
    assertEquals(200, resp.statusCode());
    String type = resp.headers().firstValue("Content-Type").orElse("");
    assertEquals(TrainingMetrics.CONTENT_TYPE, type);
    assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), type);

    Exposition e = Exposition.parse(resp.body());
    Set<String> names =
        e.samples.stream()
            .map(Exposition.Sample::name)
            .collect(Collectors.toCollection(TreeSet::new));
    for (String n : PER_RUN) {
      assertTrue(names.contains(n), n + " missing from " + names);
      for (String run : List.of("finetune", "baseline")) {
        assertTrue(e.find(n, "run", run).isPresent(), n + "{run=" + run + "}");
      }
    }
    for (String n : PER_PROCESS) {
      assertTrue(names.contains(n), n + " missing from " + names);
      assertEquals(1, e.named(n).size(), n);
    }
    Set<String> expected = new TreeSet<>(PER_RUN);
    expected.addAll(PER_PROCESS);
    assertEquals(expected, names, "exactly the documented finetune_ series, nothing else");
    assertEquals("histogram", e.types.get("finetune_step_duration_seconds"));
    assertEquals("counter", e.types.get("finetune_images_processed_total"));
    assertEquals("gauge", e.types.get("finetune_progress_ratio"));

    for (Exposition.Sample s : e.samples) {
      assertEquals(NS, s.label("namespace"), s.toString());
      assertEquals(JOB, s.label("job"), s.toString());
      if (!PER_PROCESS.contains(s.name())) {
        assertTrue(Set.of("finetune", "baseline").contains(s.label("run")), s.toString());
      }
    }

    String ft = "finetune";
    assertEquals(2, e.value("finetune_epoch", "run", ft));
    assertEquals(2, e.value("finetune_total_epochs", "run", ft));
    assertEquals(6, e.value("finetune_global_step", "run", ft));
    assertEquals(6, e.value("finetune_total_steps", "run", ft));
    assertEquals(1.0, e.value("finetune_progress_ratio", "run", ft));
    assertEquals(2.0 / 6, e.value("finetune_train_loss", "run", ft), 1e-9);
    assertEquals(0.5, e.value("finetune_train_epoch_loss", "run", ft), 1e-9);
    assertEquals(0.9, e.value("finetune_train_accuracy", "run", ft), 1e-9);
    assertEquals(0.9, e.value("finetune_test_accuracy", "run", ft), 1e-9);
    assertEquals(
        0.6,
        e.value("finetune_validation_accuracy", "run", ft),
        1e-9,
        "epoch 2 was not validated: epoch 1's value stays");
    assertEquals(0.9, e.value("finetune_validation_loss", "run", ft), 1e-9);
    assertEquals(1, e.value("finetune_validation_epoch", "run", ft), 1e-9, "from epoch 1");
    assertTrue(Double.isNaN(e.value("finetune_validation_accuracy", "run", "baseline")));
    assertEquals(500, e.value("finetune_images_per_second", "run", ft), 1e-9);
    assertEquals(0, e.value("finetune_eta_seconds", "run", ft));
    assertEquals(6 * 32, e.value("finetune_images_processed_total", "run", ft));
    assertEquals(0, e.value("finetune_images_processed_total", "run", "baseline"));
    assertEquals(0.31, e.value("finetune_test_accuracy", "run", "baseline"), 1e-9);
    assertEquals(0.31, e.value("finetune_baseline_test_accuracy"), 1e-9);
    assertEquals(1_700_000_002.5, e.value("finetune_last_checkpoint_timestamp_seconds"), 1e-6);
    assertEquals(2, e.value("finetune_checkpoints_written_total"));
    assertEquals(3, e.value("finetune_bad_images_skipped_total"));
    assertEquals(2, e.value("finetune_attempt"));

    // Histogram: cumulative buckets covering 10 ms .. 60 s, counts matching the recorded steps.
    String b = "finetune_step_duration_seconds_bucket";
    assertEquals(6, e.value("finetune_step_duration_seconds_count", "run", ft));
    assertEquals(1.865, e.value("finetune_step_duration_seconds_sum", "run", ft), 1e-6);
    assertEquals(1.5, e.value("finetune_step_duration_seconds_max", "run", ft), 1e-6);
    assertEquals(1, e.value(b, "run", ft, "le", "0.01"));
    assertEquals(4, e.value(b, "run", ft, "le", "0.025"));
    assertEquals(4, e.value(b, "run", ft, "le", "0.25"));
    assertEquals(5, e.value(b, "run", ft, "le", "0.5"));
    assertEquals(6, e.value(b, "run", ft, "le", "2.5"));
    assertEquals(6, e.value(b, "run", ft, "le", "60.0"));
    assertEquals(6, e.value(b, "run", ft, "le", "+Inf"));
    assertEquals(0, e.value(b, "run", "baseline", "le", "+Inf"));
    List<Exposition.Sample> buckets =
        e.named(b).stream().filter(s -> ft.equals(s.label("run"))).collect(Collectors.toList());
    double prevLe = Double.NEGATIVE_INFINITY;
    double prevCount = 0;
    for (Exposition.Sample s : buckets) {
      double le = Exposition.parseValue(s.label("le"));
      assertTrue(le > prevLe, "buckets ascend: " + s);
      assertTrue(s.value() >= prevCount, "buckets are cumulative: " + s);
      prevLe = le;
      prevCount = s.value();
    }
    assertTrue(
        buckets.size() >= 13 && buckets.size() <= 80, "bounded bucket count: " + buckets.size());
    for (String slo : List.of("0.01", "0.1", "1.0", "10.0", "30.0", "60.0")) {
      assertTrue(e.find(b, "run", ft, "le", slo).isPresent(), "SLO bucket " + slo);
    }
    assertEquals(Double.POSITIVE_INFINITY, prevLe);
    double finiteMax =
        buckets.stream()
            .mapToDouble(s -> Exposition.parseValue(s.label("le")))
            .filter(Double::isFinite)
            .max()
            .orElseThrow();
    assertTrue(finiteMax >= 60 && finiteMax <= 120, "top bucket " + finiteMax);
  }

  @Test
  void valuesFollowUpdatesAcrossScrapes() throws Exception {
    metrics.runStarted("finetune", 3, 30);
    Exposition e = Exposition.parse(get("/metrics").body());
    assertEquals(0, e.value("finetune_global_step", "run", "finetune"));
    assertEquals(0, e.value("finetune_progress_ratio", "run", "finetune"));
    assertEquals(30, e.value("finetune_total_steps", "run", "finetune"));
    assertTrue(Double.isNaN(e.value("finetune_test_accuracy", "run", "finetune")));
    assertTrue(e.find("finetune_epoch", "run", "baseline").isEmpty(), "baseline not started");

    metrics.stepCompleted("finetune", 12, 2, 0.7, 16, Duration.ofMillis(100), 42.5);
    System.gc(); // gauges hold their state strongly
    e = Exposition.parse(get("/metrics").body());
    assertEquals(12, e.value("finetune_global_step", "run", "finetune"));
    assertEquals(0.4, e.value("finetune_progress_ratio", "run", "finetune"), 1e-9);
    assertEquals(2, e.value("finetune_epoch", "run", "finetune"));
    assertEquals(0.7, e.value("finetune_train_loss", "run", "finetune"), 1e-9);
    assertEquals(42.5, e.value("finetune_eta_seconds", "run", "finetune"), 1e-9);
    assertEquals(160, e.value("finetune_images_per_second", "run", "finetune"), 1e-9);
    assertEquals(16, e.value("finetune_images_processed_total", "run", "finetune"));
    assertEquals(0, e.value("finetune_last_checkpoint_timestamp_seconds"));
    assertEquals(1, e.value("finetune_attempt"));
  }

  @Test
  void healthzAndErrors() throws Exception {
    HttpResponse<String> health = get("/healthz");
    assertEquals(200, health.statusCode());
    assertEquals("ok\n", health.body());
    assertEquals(404, get("/nothing").statusCode());
    assertEquals(404, get("/metrics/extra").statusCode());
    HttpRequest post =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.port() + "/metrics"))
            .timeout(TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofString("x"))
            .build();
    HttpResponse<String> resp = http.send(post, HttpResponse.BodyHandlers.ofString());
    assertEquals(405, resp.statusCode());
    assertEquals("GET, HEAD", resp.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void closeFreesThePort() throws Exception {
    int port = metrics.port();
    assertEquals(200, get("/healthz").statusCode());
    metrics.close();
    metrics.close(); // idempotent
    assertThrows(IOException.class, () -> get("/healthz"));
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
      assertEquals(port, s.getLocalPort());
    }
  }

  @Test
  void noServerForNegativePort() {
    try (TrainingMetrics m = new TrainingMetrics(NS, JOB, -1)) {
      assertEquals(-1, m.port());
      m.attempt(3);
      Exposition e = Exposition.parse(m.scrape());
      assertEquals(3, e.value("finetune_attempt", "namespace", NS, "job", JOB));
    }
  }

  @Test
  void storageOutageGaugeAndRetryCounter() {
    dev.finetune.trainer.storage.StorageHealth health =
        new dev.finetune.trainer.storage.StorageHealth();
    try (TrainingMetrics m = new TrainingMetrics(NS, JOB, -1, health)) {
      assertEquals(0, Exposition.parse(m.scrape()).value("finetune_storage_unavailable"));
      health.retrying();
      health.retrying();
      Exposition during = Exposition.parse(m.scrape());
      assertEquals(1, during.value("finetune_storage_unavailable", "namespace", NS, "job", JOB));
      assertEquals(2, during.value("finetune_storage_retries_total"));
      health.succeeded();
      Exposition after = Exposition.parse(m.scrape());
      assertEquals(0, after.value("finetune_storage_unavailable"));
      assertEquals(2, after.value("finetune_storage_retries_total"));
    }
  }

  /** Cardinality guard: only namespace/job/run (+ le/quantile) may ever appear as labels. */
  @Test
  void onlyLowCardinalityLabels() {
    drive();
    Exposition e = Exposition.parse(metrics.scrape());
    assertFalse(e.samples.isEmpty());
    Set<String> allowed = Set.of("namespace", "job", "run", "le", "quantile");
    Set<String> seen = new TreeSet<>();
    for (Exposition.Sample s : e.samples) {
      seen.addAll(s.labels().keySet());
      assertTrue(allowed.containsAll(s.labels().keySet()), "unexpected label in " + s);
    }
    assertEquals(Set.of("namespace", "job", "run", "le"), seen);
    Set<String> runs =
        e.samples.stream()
            .map(s -> s.label("run"))
            .filter(r -> r != null)
            .collect(Collectors.toSet());
    assertEquals(Set.of("finetune", "baseline"), runs);
    assertThrows(IllegalArgumentException.class, () -> metrics.runStarted("trial-7", 1, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> metrics.stepCompleted("Finetune", 1, 1, 1, 1, Duration.ZERO, 0));
  }
}
