package dev.finetune.operator.bench;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.it.CrdSetup;
import dev.finetune.operator.observe.MetricsScraper;
import dev.finetune.operator.observe.TrainerMetricsTest;
import dev.finetune.operator.sim.InstantKubelet;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue 10, item 2: what reading progress from each trainer pod costs the reconcile, with N
 * (default 1,000) running jobs. Each variant runs N FineTuneJobs whose pods stay Running ({@link
 * InstantKubelet}), with the pod IP and port pointing at a stand-in for the trainer:
 *
 * <ul>
 *   <li>{@code reachable}: an HTTP server answering /metrics with a trainer's exposition (the
 *       scrape works, as today without a NetworkPolicy);
 *   <li>{@code blocked}: a socket that accepts and never answers, as a default-deny NetworkPolicy
 *       that drops packets: every scrape waits for its 1 s timeout;
 *   <li>{@code none}: nothing listens (connection refused in well under a millisecond).
 * </ul>
 *
 * The operator scrapes off the reconcile thread ({@code ProgressScraper}), so the reconcile timer
 * should not see the variants apart. The same-run reference for what the reconcile paid before is a
 * direct, inline scrape of the same stand-in ({@code inline_scrape_mean_ms}), and the background
 * scrapes are counted per outcome.
 *
 * <p>For each variant: create N jobs, wait until all are Running, then record JOSDK's reconcile
 * timer over a window of {@code bench.progress.window-s} (default: two metrics intervals), and
 * delete them. Variants are interleaved over rounds (the machine is shared and loaded). Prints
 * {@code BENCH progress ...} lines; asserts nothing about speed. Runs only with {@code
 * -Dbench.progress=true}; the class name matches no default test pattern.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
@EnabledIfSystemProperty(named = "bench.progress", matches = "true")
class ProgressScrapeBench {
  static final int N = Integer.getInteger("bench.progress.jobs", 1000);
  static final int ROUNDS = Integer.getInteger("bench.progress.rounds", 2);
  static final Duration WINDOW = Duration.ofSeconds(Long.getLong("bench.progress.window-s", 60));

  /** finetune.operator.metrics-port in the test profile: the port the pods declare. */
  static final int PORT = 19411;

  static final String TIMER = "reconciliations.execution.duration";

  @Inject KubernetesClient client;

  static void out(String line) {
    System.out.println("BENCH progress " + line);
  }

  @Test
  void reconcileLatencyWithReachableBlockedAndNoScrape() throws Exception {
    out(
        "jobs "
            + N
            + " rounds "
            + ROUNDS
            + " window_s "
            + WINDOW.toSeconds()
            + " cores "
            + Runtime.getRuntime().availableProcessors());
    List<String> variants = List.of("reachable", "blocked", "none");
    for (int round = 1; round <= ROUNDS; round++) {
      for (int i = 0; i < variants.size(); i++) {
        String variant = variants.get((i + round - 1) % variants.size()); // rotate the order
        try (AutoCloseable standIn = standIn(variant)) {
          measure(variant, round);
        }
      }
    }
  }

  void measure(String variant, int round) throws Exception {
    String ns = "bench-" + variant + "-" + round;
    try (InstantKubelet kubelet =
        new InstantKubelet(client, ns, Duration.ofHours(2).toMillis(), job -> 0)) {
      long t0 = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int i = 0; i < N; i++) {
        String name = String.format("ftj-%04d", i);
        pool.submit(() -> client.resource(Fixtures.applied(name, ns).obj()).create());
      }
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.MINUTES);
      long running;
      do {
        Thread.sleep(2000);
        running =
            client.resources(FineTuneJob.class).inNamespace(ns).list().getItems().stream()
                .filter(f -> f.getStatus() != null && "Running".equals(f.getStatus().phase))
                .count();
      } while (running < N && System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(15));
      out(
          String.format(
              Locale.ROOT,
              "variant %s round %d running %d after_s %.1f",
              variant,
              round,
              running,
              (System.nanoTime() - t0) / 1e9));

      SimpleMeterRegistry side = sideRegistry();
      Thread.sleep(WINDOW.toMillis());
      Timer t =
          side.find(TIMER).timers().stream()
              .max(java.util.Comparator.comparingLong(Timer::count))
              .orElse(null);
      if (t != null) {
        HistogramSnapshot s = t.takeSnapshot();
        StringBuilder line =
            new StringBuilder(
                String.format(
                    Locale.ROOT,
                    "variant %s round %d reconciles %d mean_ms %.2f",
                    variant,
                    round,
                    s.count(),
                    s.mean(TimeUnit.MILLISECONDS)));
        for (ValueAtPercentile p : s.percentileValues()) {
          line.append(
              String.format(
                  Locale.ROOT,
                  " p%d_ms %.2f",
                  Math.round(p.percentile() * 100),
                  p.value(TimeUnit.MILLISECONDS)));
        }
        line.append(String.format(Locale.ROOT, " max_ms %.2f", s.max(TimeUnit.MILLISECONDS)));
        out(line.toString());
      }
      for (String outcome : List.of("ok", "failed")) {
        Timer scrapes =
            side.find("finetune.operator.progress.scrape").tag("outcome", outcome).timer();
        out(
            String.format(
                Locale.ROOT,
                "variant %s round %d background_scrapes_%s %d mean_ms %.2f",
                variant,
                round,
                outcome,
                scrapes == null ? 0 : scrapes.count(),
                scrapes == null ? 0 : scrapes.mean(TimeUnit.MILLISECONDS)));
      }
      // Reference, same run: what the reconcile itself paid per running job before the scrape
      // moved off its thread (the same HTTP scrape, 1 s timeout, on the calling thread).
      MetricsScraper inline = MetricsScraper.http(Duration.ofSeconds(1));
      long r0 = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        inline.scrape("127.0.0.1", PORT);
      }
      out(
          String.format(
              Locale.ROOT,
              "variant %s round %d inline_scrape_mean_ms %.2f",
              variant,
              round,
              (System.nanoTime() - r0) / 5e6));
      Metrics.globalRegistry.remove(side);
      client.resources(FineTuneJob.class).inNamespace(ns).delete();
      client.batch().v1().jobs().inNamespace(ns).delete();
      client.pods().inNamespace(ns).delete();
      client.configMaps().inNamespace(ns).delete();
      Thread.sleep(5000);
    }
  }

  /** A registry that records JOSDK's reconcile timer with percentiles, from now on. */
  static SimpleMeterRegistry sideRegistry() {
    SimpleMeterRegistry side = new SimpleMeterRegistry();
    side.config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig c) {
                if (id.getName().equals("finetune.operator.progress.scrape")) {
                  return DistributionStatisticConfig.builder()
                      .expiry(Duration.ofHours(1))
                      .bufferLength(1)
                      .build()
                      .merge(c);
                }
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
    return side;
  }

  /** What listens at the pods' metrics address during one variant. */
  static AutoCloseable standIn(String variant) throws IOException {
    InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT);
    switch (variant) {
      case "reachable" -> {
        var server = com.sun.net.httpserver.HttpServer.create(at, 512);
        byte[] body = TrainerMetricsTest.SAMPLE.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        server.createContext(
            "/metrics",
            ex -> {
              ex.sendResponseHeaders(200, body.length);
              ex.getResponseBody().write(body);
              ex.close();
            });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return () -> server.stop(0);
      }
      case "blocked" -> {
        ServerSocket socket = new ServerSocket();
        socket.bind(at, 4096);
        List<Socket> held = new CopyOnWriteArrayList<>();
        Thread acceptor =
            new Thread(
                () -> {
                  while (!socket.isClosed()) {
                    try {
                      held.add(socket.accept()); // accepted, never answered
                    } catch (IOException e) {
                      return;
                    }
                  }
                },
                "blackhole");
        acceptor.setDaemon(true);
        acceptor.start();
        return () -> {
          socket.close();
          for (Socket s : held) {
            s.close();
          }
        };
      }
      default -> {
        return () -> {};
      }
    }
  }
}
