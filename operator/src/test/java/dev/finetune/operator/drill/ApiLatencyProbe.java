package dev.finetune.operator.drill;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Times one small GET against the API server every 100 ms, so a drill can put the operator's
 * reconcile latency next to the latency of the API server it talks to.
 */
public final class ApiLatencyProbe {
  private final List<Long> nanos = new ArrayList<>();
  private final Sampler sampler;

  public ApiLatencyProbe(KubernetesClient client) {
    sampler =
        Sampler.every(
            Duration.ofMillis(100),
            "api-latency-probe",
            () -> {
              long t = System.nanoTime();
              try {
                client.configMaps().inNamespace("probe").withName("none").get();
              } catch (RuntimeException e) {
                // counted like any answer: the latency is what matters
              }
              synchronized (nanos) {
                nanos.add(System.nanoTime() - t);
              }
            });
  }

  /** Stops and returns "p50=.. p99=.. max=.. n=..", in milliseconds. */
  public String stop() throws InterruptedException {
    sampler.close();
    List<Long> s;
    synchronized (nanos) {
      s = new ArrayList<>(nanos);
    }
    s.sort(null);
    if (s.isEmpty()) {
      return "n=0";
    }
    return String.format(
        "p50=%.1f p99=%.1f max=%.1f n=%d",
        at(s, 0.50), at(s, 0.99), s.get(s.size() - 1) / 1e6, s.size());
  }

  private static double at(List<Long> sorted, double q) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1e6;
  }
}
