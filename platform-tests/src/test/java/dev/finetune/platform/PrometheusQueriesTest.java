package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune.testsupport.SyntheticImageFolder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real trainer run and the real operator scraped by a real Prometheus: Debian's prometheus on
 * loopback scrapes bin/finetune train (port picked free) with the pod's namespace and job labels
 * and honor_labels off, exactly as the PodMonitor does, and the packaged operator's /q/metrics (its
 * own JVM against the mock API server, with jobs that succeed, fail and retry; {@link
 * RunningOperator}) with the namespace/pod labels the ServiceMonitor would add. Then every PromQL
 * expression of the dashboards (template variables substituted) and of the alert rules runs against
 * its HTTP API. Trainer and operator expressions must return data; expressions over metrics that
 * only a cluster has (Kueue, DCGM exporter) and the two JOSDK counters that appear only after a
 * reconcile threw must parse and evaluate.
 */
class PrometheusQueriesTest {
  static final String NAMESPACE = "platform-test";
  static final String JOB = "promtest";
  static final String OPERATOR_NAMESPACE = "finetune-system";

  /** Metric families a loopback run cannot produce: parse-only. */
  static final Pattern CLUSTER_ONLY =
      Pattern.compile("kueue_|DCGM_|reconciliations_failure_total|reconciliations_retries_total");

  static final Pattern TRAINER_METRIC = Pattern.compile("\\b(finetune_[a-z_]+)\\b");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void everyDashboardAndAlertExpressionRunsAgainstARealTrainer(@TempDir Path dir) throws Exception {
    Path prometheusBin = Tools.require("prometheus", "run bin/setup (Debian package prometheus)");
    Path root = Tools.root();
    Tools.missing(
        !Files.isRegularFile(root.resolve("trainer/target/finetune-trainer.jar")),
        "trainer/target/finetune-trainer.jar not built; run mvn package");

    SyntheticImageFolder.write(dir.resolve("data"), 8, 4, 32, 7);
    Path job = dir.resolve("job.yaml");
    Files.writeString(
        job,
        """
        apiVersion: finetune.dev/v1alpha1
        kind: FineTuneJob
        metadata: {name: %s}
        spec:
          model: {architecture: resnet18}
          dataset: {format: imagefolder, train: "%s", test: "%s"}
          transforms: {train: {randomResizedCrop: 32, horizontalFlip: true}, test: {resize: 32}}
          training: {epochs: 3, batchSize: 8, learningRate: 0.01, momentum: 0.9, seed: 0}
          baseline: {fromScratch: {learningRate: 0.01, epochs: 1000}}
          checkpoints: {uri: "%s", everyEpochs: 1, keep: 1}
        """
            .formatted(
                JOB,
                dir.resolve("data/train").toUri(),
                dir.resolve("data/test").toUri(),
                dir.resolve("checkpoints").toUri()));

    int trainerPort = freePort();
    int prometheusPort = freePort();
    Process trainer = null;
    Process prometheus = null;
    RunningOperator operator = null;
    try {
      operator = new RunningOperator(dir.resolve("operator.log"));
      Files.writeString(
          dir.resolve("prometheus.yml"),
          """
          global: {scrape_interval: 1s, evaluation_interval: 1s}
          scrape_configs:
            # As the PodMonitor (honorLabels: false): namespace is the pod's namespace, job its
            # finetune.dev/job label (jobLabel); the trainer's own labels become exported_*.
            - job_name: finetune-trainer
              honor_labels: false
              metrics_path: /metrics
              static_configs:
                - targets: ["127.0.0.1:%d"]
                  labels: {namespace: %s, job: %s}
            # As the ServiceMonitor (honorLabels: true; the job is the Service's name): the
            # operator's /q/metrics, with the labels it adds.
            - job_name: finetune-operator-metrics
              honor_labels: true
              metrics_path: /q/metrics
              static_configs:
                - targets: ["%s"]
                  labels: {namespace: %s, pod: finetune-operator-0}
          """
              .formatted(trainerPort, NAMESPACE, JOB, operator.target(), OPERATOR_NAMESPACE));
      prometheus =
          new ProcessBuilder(
                  prometheusBin.toString(),
                  "--config.file=" + dir.resolve("prometheus.yml"),
                  "--storage.tsdb.path=" + dir.resolve("tsdb"),
                  "--web.listen-address=127.0.0.1:" + prometheusPort)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      trainer =
          new ProcessBuilder(
                  root.resolve("bin/finetune").toString(),
                  "train",
                  job.toString(),
                  "--output",
                  dir.resolve("out").toString(),
                  "--metrics-port",
                  String.valueOf(trainerPort),
                  "--namespace",
                  NAMESPACE,
                  "--threads",
                  "2",
                  "--no-progress")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("trainer.log").toFile())
              .start();

      String api = "http://127.0.0.1:" + prometheusPort;
      // Wait until the baseline run has finished two epochs: by then the fine-tune run has
      // finished, evaluated and checkpointed, the baseline has a test accuracy, and every
      // series exists. The baseline is long on purpose, so the trainer is still being scraped
      // while the queries run, however fast the machine; the test stops it (SIGTERM) at the end.
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      double at = 0;
      while (true) {
        if (!trainer.isAlive()) {
          fail(
              "the trainer exited ("
                  + trainer.exitValue()
                  + ") before the baseline run was "
                  + "scraped:\n"
                  + Files.readString(dir.resolve("trainer.log")));
        }
        if (System.nanoTime() > deadline) {
          fail(
              "no baseline progress scraped in 4 minutes:\n"
                  + tail(dir.resolve("trainer.log"))
                  + "\n"
                  + tail(dir.resolve("prometheus.log")));
        }
        JsonNode ready =
            queryOrNull(
                api,
                "finetune_global_step{run=\"baseline\"} > 6 and on () "
                    + "finetune_checkpoints_written_total > 0 and on () "
                    // at least 5 scrapes, so rate() and increase() windows hold two samples or more
                    + "count_over_time(finetune_checkpoints_written_total[5m]) > 4 and on () "
                    // every operator job finished, and its counters scraped at least 5 times since
                    + "count_over_time(finetune_operator_jobs{phase=\"Succeeded\"}[5m]) > 4 and on () "
                    // the sweep's trials by state scraped
                    + "finetune_operator_sweep_trials and on () "
                    // and the failed job's own series (FineTuneJobFailed) scraped
                    + "finetune_operator_job_failed_timestamp_seconds",
                null);
        if (ready != null
            && !ready.at("/data/result").isEmpty()
            && operator.finished() == RunningOperator.JOBS.size()
            && operator.sweepCounted()) {
          at = System.currentTimeMillis() / 1000.0;
          break;
        }
        Thread.sleep(500);
      }

      // The pod's labels win (honor_labels: false); what the trainer itself says is kept apart.
      JsonNode attempt = query(api, "finetune_attempt", at);
      assertEquals(1, attempt.at("/data/result").size(), attempt.toString());
      JsonNode labels = attempt.at("/data/result/0/metric");
      assertEquals(NAMESPACE, labels.path("namespace").asText());
      assertEquals(JOB, labels.path("job").asText());
      assertEquals(NAMESPACE, labels.path("exported_namespace").asText(), labels.toString());
      assertEquals(JOB, labels.path("exported_job").asText(), labels.toString());
      // The operator's per-job series keep the FineTuneJob's namespace and name (honor_labels,
      // as the ServiceMonitor), so FineTuneJobFailed names the job.
      JsonNode failed = query(api, AlertRulesTest.expression("FineTuneJobFailed"), at);
      assertEquals(1, failed.at("/data/result").size(), failed.toString());
      assertEquals(RunningOperator.NS, failed.at("/data/result/0/metric/namespace").asText());
      assertEquals("ops-bad", failed.at("/data/result/0/metric/job").asText(), failed.toString());

      // docs/OPERATOR.md's Metrics table against what this operator exposes.
      String exposition =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + operator.target() + "/q/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertEquals(
          List.of(),
          OperatorMetricsDoc.problems(exposition, root.resolve("docs/OPERATOR.md")),
          "docs/OPERATOR.md, Metrics");

      List<String> failures = new ArrayList<>();
      int withData = 0;
      int parseOnly = 0;
      for (Dashboards.Query q : Dashboards.queries()) {
        // The operator dashboard's $namespace is the operator's own (the scrape's label).
        String expr =
            Dashboards.substitute(
                q.expr(),
                q.dashboard().equals("finetune-operator.json") ? OPERATOR_NAMESPACE : NAMESPACE,
                JOB);
        String where = q.dashboard() + " / " + q.panel() + ": " + expr;
        JsonNode result = queryOrNull(api, expr, at);
        if (result == null) {
          failures.add("does not evaluate: " + where + " -> " + lastError);
        } else if (CLUSTER_ONLY.matcher(expr).find()) {
          parseOnly++;
        } else if (result.at("/data/result").isEmpty()) {
          failures.add("no data: " + where);
        } else {
          withData++;
        }
      }
      Set<String> scraped = new TreeSet<>();
      query(api, "count by (__name__) ({job=\"" + JOB + "\"})", at)
          .at("/data/result")
          .forEach(r -> scraped.add(r.at("/metric/__name__").asText()));
      for (String expr : AlertRulesTest.expressions()) {
        if (queryOrNull(api, expr, at) == null) {
          failures.add("alert does not evaluate: " + expr + " -> " + lastError);
        }
        Matcher m = TRAINER_METRIC.matcher(expr);
        while (m.find()) {
          if (!m.group(1).startsWith("finetune_operator_") && !scraped.contains(m.group(1))) {
            failures.add("alert uses " + m.group(1) + ", which the trainer does not export");
          }
        }
      }
      assertEquals(List.of(), failures, "scraped series: " + scraped);
      assertTrue(withData >= 40, "trainer and operator expressions with data: " + withData);
      assertTrue(parseOnly >= 5, "cluster-only expressions: " + parseOnly);
      System.err.println(
          "platform-tests: "
              + withData
              + " dashboard expressions (trainer and "
              + "operator) returned data, "
              + parseOnly
              + " cluster-only ones parsed, "
              + AlertRulesTest.expressions().size()
              + " alert expressions evaluated");
    } finally {
      stop(trainer);
      stop(prometheus);
      if (operator != null) {
        operator.close();
      }
    }
  }

  private String lastError = "";

  private JsonNode query(String api, String expr, double at) throws Exception {
    JsonNode result = queryOrNull(api, expr, at);
    assertFalse(result == null, expr + ": " + lastError);
    return result;
  }

  /** The JSON answer of an instant query, or null (with lastError) when Prometheus rejects it. */
  private JsonNode queryOrNull(String api, String expr, Double at) throws Exception {
    String url =
        api
            + "/api/v1/query?query="
            + URLEncoder.encode(expr, StandardCharsets.UTF_8)
            + (at == null ? "" : "&time=" + at);
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException notUpYet) {
      lastError = notUpYet.toString();
      return null;
    }
    JsonNode body = Manifests.JSON.readTree(response.body());
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      lastError = response.statusCode() + " " + body.path("error").asText(response.body());
      return null;
    }
    return body;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private static void stop(Process process) throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
