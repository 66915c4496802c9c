package dev.finetune.operator.bench;

import static org.awaitility.Awaitility.await;

import dev.finetune.operator.Fixtures;
import dev.finetune.operator.cluster.OperatorInstall;
import dev.finetune.operator.cluster.RealCluster;
import dev.finetune.operator.drill.ApiLatencyProbe;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.sim.OperatorProcess;
import dev.finetune.testsupport.Command;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The operator scale benchmark against the real control plane (bench/operator/run.sh runs it after
 * the mock-server runs): the packaged operator as its ServiceAccount, with the JVM flags of
 * deploy/base, reconciles N FineTuneJobs (default 1,000); the real Job controller makes their pods
 * and the real scheduler binds them to one large Node (no node agent: nothing runs, so only the
 * control loop is measured). Prints {@code BENCH cluster ...} lines: time from the first create
 * until every FineTuneJob has its Job and until every pod is scheduled, the operator's reconcile
 * p50/p99 (its own quantiles), a client GET probe's latency (as in the mock runs), kube-apiserver's
 * own request-duration p99, and the peak RSS of the operator and the API server. Runs only with
 * {@code -Dbench.operator.cluster=true}; asserts nothing about speed.
 */
@EnabledIfSystemProperty(named = "bench.operator.cluster", matches = "true")
class ClusterScaleBench {
  static final String NS = "bench";
  static final int N = Integer.getInteger("bench.operator.jobs", 1000);
  static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("bench.operator.timeout-s", 900));

  static void out(String key, Object value) {
    System.out.println("BENCH cluster " + key + " " + value);
  }

  @Test
  void applyManyFineTuneJobsToARealApiServer() throws Exception {
    RealCluster cluster = RealCluster.shared();
    KubernetesClient admin = cluster.admin();
    OperatorInstall.install(cluster, "deploy/base");
    OperatorInstall.namespace(admin, NS);
    node(admin);
    Path log = Path.of("target/cluster-scale-bench-operator.log").toAbsolutePath();
    Files.deleteIfExists(log);
    out("operator_log", log);
    OperatorProcess op =
        OperatorInstall.startOperator(
            cluster,
            log,
            "finetune-operator-0",
            Map.of(
                "finetune.operator.metrics-interval", "30s",
                "finetune.operator.metrics-timeout", "100ms"));
    try {
      out("jobs", N);
      out("cores", Runtime.getRuntime().availableProcessors());
      ApiLatencyProbe probe = new ApiLatencyProbe(admin);
      long t0 = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int i = 0; i < N; i++) {
        String name = String.format("cb-%04d", i);
        pool.submit(() -> admin.resource(Fixtures.applied(name, NS).obj()).create());
      }
      pool.shutdown();
      pool.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      out("created_s", seconds(t0));
      await("every FineTuneJob has its Job")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .failFast("the operator died", () -> !op.alive())
          .until(
              () ->
                  admin
                          .batch()
                          .v1()
                          .jobs()
                          .inNamespace(NS)
                          .withLabel(Labels.JOB)
                          .list()
                          .getItems()
                          .size()
                      >= N);
      out("all_jobs_s", seconds(t0));
      await("every pod scheduled")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  admin.pods().inNamespace(NS).withLabel(Labels.JOB).list().getItems().stream()
                          .filter(p -> p.getSpec().getNodeName() != null)
                          .count()
                      >= N);
      out("all_scheduled_s", seconds(t0));
      String metrics = metrics(op);
      out("reconcile_ms", "p50=" + quantile(metrics, "0.5") + " p99=" + quantile(metrics, "0.99"));
      out("api_get_latency_ms", probe.stop());
      out("apiserver_request_p99_ms", apiserverP99(admin));
      out("operator_rss_peak_mb", op.procStatusKb("VmHWM") / 1024);
      String histogram =
          Command.run(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                      String.valueOf(op.pid()),
                      "GC.class_histogram"),
                  Map.of(),
                  null,
                  Duration.ofSeconds(60))
              .ok()
              .stdout();
      histogram.lines().limit(18).forEach(l -> out("operator_heap_histogram", l));
      Path apiPid = cluster.logs().resolveSibling("pids/kube-apiserver");
      out("apiserver_rss_peak_mb", hwmKb(Files.readString(apiPid).trim()) / 1024);
    } finally {
      op.close();
      admin.batch().v1().jobs().inNamespace(NS).delete();
    }
  }

  /** /q/metrics, retried for a minute: a busy operator may answer slowly. */
  static String metrics(OperatorProcess op) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        return op.metrics();
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        out("metrics_retry", e.toString());
      }
    }
  }

  static void node(KubernetesClient admin) {
    Map<String, Quantity> capacity =
        Map.of(
            "cpu",
            new Quantity("4000"),
            "memory",
            new Quantity("8Ti"),
            "pods",
            new Quantity("2000"));
    Node node =
        admin
            .nodes()
            .resource(new NodeBuilder().withNewMetadata().withName("bench-0").endMetadata().build())
            .serverSideApply();
    node.setStatus(
        new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
            .withCapacity(capacity)
            .withAllocatable(capacity)
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .withReason("Bench")
            .endCondition()
            .build());
    admin.nodes().resource(node).updateStatus();
  }

  /** The operator's own reconcile quantile in ms (max over its timer series). */
  static String quantile(String metrics, String q) {
    return String.format(
        "%.1f",
        metrics
                .lines()
                .filter(
                    l ->
                        l.startsWith("reconciliations_execution_duration_seconds{")
                            && l.contains("quantile=\"" + q + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .max()
                .orElse(Double.NaN)
            * 1000);
  }

  /**
   * p99 of kube-apiserver's apiserver_request_duration_seconds over every request that is not a
   * WATCH or CONNECT, from its histogram buckets (upper bound of the bucket), in ms.
   */
  static String apiserverP99(KubernetesClient admin) {
    String text = admin.raw("/metrics");
    java.util.TreeMap<Double, Double> buckets = new java.util.TreeMap<>();
    for (String l : text.split("\n")) {
      if (!l.startsWith("apiserver_request_duration_seconds_bucket{")
          || l.contains("WATCH")
          || l.contains("CONNECT")) {
        continue;
      }
      String le = l.replaceAll(".*le=\"([^\"]+)\".*", "$1");
      double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
      buckets.merge(bound, Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), Double::sum);
    }
    double total = buckets.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
    for (var e : buckets.entrySet()) {
      if (e.getValue() >= 0.99 * total) {
        return String.format("<=%.0f (of %.0f requests)", e.getKey() * 1000, total);
      }
    }
    return "n/a";
  }

  static long hwmKb(String pid) throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmHWM:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  static String seconds(long t0) {
    return String.format("%.1f", (System.nanoTime() - t0) / 1e9);
  }
}
