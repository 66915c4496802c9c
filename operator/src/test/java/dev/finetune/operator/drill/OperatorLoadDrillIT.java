package dev.finetune.operator.drill;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drill 6 (load): N FineTuneJobs (200 in CI; bench/operator/run.sh runs 1,000) against the mock API
 * server, with the operator running as its own JVM (the packaged app, 256 MiB heap) that is
 * SIGKILLed when half of the jobs have their first Job, and started again.
 *
 * <p>The {@link InstantKubelet} ends every trainer Job after a short run with a scripted exit: job
 * i with i % 10 == 0 fails permanently (exit 5), i % 10 == 1 is preempted once (exit 137) and
 * succeeds in attempt 2, every other job succeeds at once. Asserted: every job ends in the phase
 * its script implies, with exactly the Jobs it implies (none scheduled twice), and the operator's
 * reconcile p99 (its own client-side quantile) stays under a bound. Figures are printed as {@code
 * DRILL load ...} lines for docs/RELIABILITY.md and docs/BENCHMARKS.md.
 */
class OperatorLoadDrillIT {
  static final String NS = "load";
  static final int N = Integer.getInteger("drill.load.jobs", 200);
  static final Duration TIMEOUT = Duration.ofSeconds(Long.getLong("drill.load.timeout-s", 300));

  /**
   * A hang guard, not a speed goal: on 2 shared cores the mock API server, the kubelet and the
   * operator compete, and a reconcile is 4-5 API round trips. The figure itself, next to the API
   * server's own latency measured by a probe, goes to docs/RELIABILITY.md.
   */
  static final double P99_BOUND_S = 15.0;

  static void out(String key, Object value) {
    System.out.println("DRILL load " + key + " " + value);
  }

  static int index(String ftj) {
    return Integer.parseInt(ftj.substring(ftj.lastIndexOf('-') + 1));
  }

  /** The scripted exit code of a trainer Job. */
  static int exitCode(Job job) {
    int i = index(job.getMetadata().getLabels().get(Labels.JOB));
    int attempt = Integer.parseInt(job.getMetadata().getLabels().get(Labels.ATTEMPT));
    if (i % 10 == 0) {
      return 5;
    }
    if (i % 10 == 1 && attempt == 1) {
      return 137;
    }
    return 0;
  }

  static String expectedPhase(int i) {
    return i % 10 == 0 ? "Failed" : "Succeeded";
  }

  static Set<String> expectedJobs(String name, int i) {
    return i % 10 == 1
        ? Set.of(name + "-attempt-1", name + "-attempt-2")
        : Set.of(name + "-attempt-1");
  }

  static FineTuneJob ftj(String name) {
    FineTuneJob f = Fixtures.minimalJob(name, NS);
    f.getSpec().resources.cpu = "2";
    f.getSpec().resources.memory = "4Gi";
    f.getSpec().backoffLimit = 3;
    return f;
  }

  static Map<String, String> operatorProps() {
    return Map.of(
        "finetune.operator.trainer-image", "trainer:drill",
        "finetune.operator.backoff-base", "200ms",
        "finetune.operator.backoff-max", "1s",
        "finetune.operator.metrics-interval", "5s",
        "finetune.operator.metrics-timeout", "100ms");
  }

  /** The operator's own p99 of reconcile time, in seconds (max over its timer series). */
  static double p99(String metrics) {
    return metrics
        .lines()
        .filter(
            l ->
                l.startsWith("reconciliations_execution_duration_seconds{")
                    && l.contains("quantile=\"0.99\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .max()
        .orElse(Double.NaN);
  }

  @Test
  void thousandsOfJobsWithAnOperatorKilledHalfWay(@TempDir Path tmp) throws Exception {
    try (MockApiServer api = MockApiServer.start();
        InstantKubelet kubelet =
            new InstantKubelet(api.client(), NS, 300, OperatorLoadDrillIT::exitCode)) {
      KubernetesClient client = api.client();
      ApiLatencyProbe probe = new ApiLatencyProbe(client);
      Path log = tmp.resolve("operator.log");
      OperatorProcess op = OperatorProcess.start(api, "256m", operatorProps(), log);
      out("jobs", N);
      out("operator_1_startup_s", seconds(op.awaitReady(Duration.ofSeconds(120))));

      long t0 = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int i = 0; i < N; i++) {
        String name = String.format("ld-%04d", i);
        pool.submit(() -> client.resource(ftj(name)).create());
      }
      pool.shutdown();

      // Kill the operator when half of the jobs have their first Job.
      awaitUntil(() -> kubelet.jobsCreated() >= N / 2, "half the jobs scheduled", op);
      double p99First = p99(op.metrics());
      long hwmFirst = op.procStatusKb("VmHWM");
      op.kill();
      out("operator_killed_after_jobs", kubelet.jobsCreated());
      pool.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      Thread.sleep(1000);

      op = OperatorProcess.start(api, "256m", operatorProps(), log);
      out("operator_2_startup_s", seconds(op.awaitReady(Duration.ofSeconds(120))));
      try {
        int expectedJobs = N + (N + 8) / 10;
        awaitUntil(() -> finished(client) == N, "every job finished", op);
        long tEnd = System.nanoTime();

        List<String> wrong = new ArrayList<>();
        for (FineTuneJob f :
            client.resources(FineTuneJob.class).inNamespace(NS).list().getItems()) {
          String name = f.getMetadata().getName();
          int i = index(name);
          String phase = f.getStatus() == null ? null : f.getStatus().phase;
          if (!expectedPhase(i).equals(phase)) {
            wrong.add(name + " phase " + phase + " (expected " + expectedPhase(i) + ")");
          }
          Set<String> jobs = kubelet.jobsOf(name);
          if (!jobs.equals(expectedJobs(name, i))) {
            wrong.add(name + " jobs " + jobs + " (expected " + expectedJobs(name, i) + ")");
          }
        }
        int listed = client.batch().v1().jobs().inNamespace(NS).list().getItems().size();
        double p99Second = p99(op.metrics());
        long hwmSecond = op.procStatusKb("VmHWM");
        out("all_finished_s", String.format("%.1f", (tEnd - t0) / 1e9));
        out("jobs_created", kubelet.jobsCreated() + " (expected " + expectedJobs + ")");
        out("jobs_listed", listed);
        out("wrong", wrong.size());
        out("reconcile_p99_s", String.format("operator1=%.3f operator2=%.3f", p99First, p99Second));
        out("api_get_latency_ms", probe.stop());
        out(
            "operator_rss_peak_mb",
            String.format("operator1=%d operator2=%d", hwmFirst / 1024, hwmSecond / 1024));
        assertTrue(
            wrong.isEmpty(),
            () ->
                wrong.size() + " jobs wrong, e.g. " + wrong.subList(0, Math.min(10, wrong.size())));
        assertEquals(expectedJobs, kubelet.jobsCreated(), "no Job scheduled twice");
        assertEquals(expectedJobs, listed, "no Job scheduled twice");
        assertTrue(
            p99First < P99_BOUND_S && p99Second < P99_BOUND_S,
            "reconcile p99 " + p99First + " / " + p99Second + " s");
      } finally {
        op.close();
        if (Files.exists(log)) {
          System.out.println(
              "operator log: " + log + " (" + Files.readAllLines(log).size() + " lines)");
        }
      }
    }
  }

  static long finished(KubernetesClient client) {
    return client.resources(FineTuneJob.class).inNamespace(NS).list().getItems().stream()
        .filter(
            f ->
                f.getStatus() != null
                    && ("Succeeded".equals(f.getStatus().phase)
                        || "Failed".equals(f.getStatus().phase)))
        .count();
  }

  static String seconds(Duration d) {
    return String.format("%.2f", d.toMillis() / 1000.0);
  }

  /** Polls {@code done} every 200 ms; fails at once if the operator process died. */
  static void awaitUntil(
      java.util.concurrent.Callable<Boolean> done, String what, OperatorProcess op) {
    await(what)
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .failFast("the operator process died", () -> !op.alive())
        .until(done);
  }
}
