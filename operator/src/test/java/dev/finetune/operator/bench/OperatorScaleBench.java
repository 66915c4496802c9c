package dev.finetune.operator.bench;

import dev.finetune.operator.Fixtures;
import dev.finetune.operator.it.CrdSetup;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Operator scale benchmark (bench/operator/run.sh): applies N FineTuneJobs (default 1,000) to
 * fabric8's mock API server and measures the time until each has its {@code <name>-attempt-1} Job,
 * JOSDK's reconcile latency, and the RSS of this JVM (mock server + operator + client).
 *
 * <p>Never part of the default build: the class name matches neither surefire's nor failsafe's
 * patterns, and it only runs with {@code -Dbench.operator=true}. It asserts nothing about speed; it
 * prints one {@code BENCH ...} line per figure.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
@EnabledIfSystemProperty(named = "bench.operator", matches = "true")
class OperatorScaleBench {
  static final String NS = "bench";
  static final int N = Integer.getInteger("bench.operator.jobs", 1000);
  static final int CREATE_THREADS = Integer.getInteger("bench.operator.create-threads", 4);
  static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("bench.operator.timeout-s", 600));
  static final String TIMER = "reconciliations.execution.duration";

  @Inject KubernetesClient client;

  static void out(String key, Object value) {
    System.out.println("BENCH " + key + " " + value);
  }

  static long procStatusKb(String field) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith(field + ":")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    return -1;
  }

  @Test
  void applyManyFineTuneJobs() throws Exception {
    long uptimeAtTestStart = ManagementFactory.getRuntimeMXBean().getUptime();
    out("jvm_uptime_at_test_start_ms", uptimeAtTestStart);
    out("jobs", N);
    out("cores", Runtime.getRuntime().availableProcessors());

    // Exact-ish percentiles of JOSDK's own timer: JOSDK registers it with SLO buckets only
    // (10/50/100/250/500 ms, 1/2/5/10/30 s), so a side registry that enables percentiles is added
    // to the global composite; the composite replays existing meters into it. The registry
    // records only what happens from here on, i.e. the benchmark's reconciles.
    SimpleMeterRegistry side = new SimpleMeterRegistry();
    side.config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig c) {
                if (!id.getName().equals(TIMER)) {
                  return c;
                }
                return DistributionStatisticConfig.builder()
                    .percentiles(0.5, 0.9, 0.99)
                    .percentilePrecision(3)
                    .expiry(Duration.ofHours(1))
                    .bufferLength(1)
                    .build()
                    .merge(c);
              }
            });
    Metrics.globalRegistry.add(side);

    Set<String> seen = ConcurrentHashMap.newKeySet();
    CountDownLatch all = new CountDownLatch(1);
    AtomicLong lastJobAt = new AtomicLong();
    var watch =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .watch(
                new Watcher<Job>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    String n = job.getMetadata().getName();
                    if (action == Action.ADDED && n.endsWith("-attempt-1") && seen.add(n)) {
                      lastJobAt.set(System.nanoTime());
                      if (seen.size() >= N) {
                        all.countDown();
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });

    ExecutorService pool = Executors.newFixedThreadPool(CREATE_THREADS);
    long t0 = System.nanoTime();
    for (int i = 0; i < N; i++) {
      String name = String.format("ftj-%04d", i);
      pool.submit(() -> client.resource(Fixtures.applied(name, NS).obj()).create());
    }
    pool.shutdown();
    pool.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    long created = System.nanoTime();
    out("create_all_s", String.format("%.2f", (created - t0) / 1e9));

    boolean done = all.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    long end = done ? lastJobAt.get() : System.nanoTime();
    watch.close();
    int listed = client.batch().v1().jobs().inNamespace(NS).list().getItems().size();
    out("all_jobs_scheduled", done);
    out("jobs_seen_by_watch", seen.size());
    out("jobs_listed", listed);
    out("first_create_to_all_jobs_s", String.format("%.2f", (end - t0) / 1e9));

    // Let in-flight reconciles (status writes after the Job creation) finish, then read.
    Thread.sleep(3000);
    Timer t =
        side.find(TIMER).timers().stream()
            .max(java.util.Comparator.comparingLong(Timer::count))
            .orElse(null);
    if (t != null) {
      HistogramSnapshot s = t.takeSnapshot();
      out("reconciles", s.count());
      out("reconcile_mean_ms", String.format("%.2f", s.mean(TimeUnit.MILLISECONDS)));
      for (ValueAtPercentile p : s.percentileValues()) {
        out(
            "reconcile_p" + Math.round(p.percentile() * 100) + "_ms",
            String.format("%.2f", p.value(TimeUnit.MILLISECONDS)));
      }
      out("reconcile_max_ms", String.format("%.2f", s.max(TimeUnit.MILLISECONDS)));
      out("timer_tags", t.getId().getTags());
    } else {
      out("reconciles", "timer " + TIMER + " not found in the side registry");
    }
    // Cross-check against the operator's own Prometheus endpoint (SLO buckets, cumulative).
    String metrics = io.restassured.RestAssured.given().get("/q/metrics").asString();
    metrics
        .lines()
        .filter(
            l ->
                l.startsWith("reconciliations_execution_duration_seconds")
                    || l.startsWith("reconciliations_started_total"))
        .forEach(l -> out("prom", l));
    System.gc();
    out("rss_now_mb", procStatusKb("VmRSS") / 1024);
    out("rss_peak_mb", procStatusKb("VmHWM") / 1024);
    Runtime rt = Runtime.getRuntime();
    out("heap_used_mb", (rt.totalMemory() - rt.freeMemory()) >> 20);
    out("heap_max_mb", rt.maxMemory() >> 20);
    Metrics.globalRegistry.remove(side);
  }
}
