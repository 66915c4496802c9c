package dev.finetune.operator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.api.v1alpha1.sweep.TrialCounts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SweepGaugeTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final SweepGauge gauge = new SweepGauge();
  final List<FineTuneSweep> cache = new ArrayList<>();

  SweepGaugeTest() {
    gauge.registry = registry;
  }

  /** A sweep whose status.counts are pending, running, succeeded, failed, earlyStopped. */
  static FineTuneSweep sweep(String namespace, String name, Integer... counts) {
    FineTuneSweep s = new FineTuneSweep();
    s.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    if (counts.length > 0) {
      s.setStatus(new FineTuneSweepStatus());
      TrialCounts c = new TrialCounts();
      c.pending = counts[0];
      c.running = counts[1];
      c.succeeded = counts[2];
      c.failed = counts[3];
      c.earlyStopped = counts[4];
      s.getStatus().counts = c;
    }
    return s;
  }

  /** namespace/sweep/state -> value, as /q/metrics would show them. */
  Map<String, Double> series() {
    Map<String, Double> out = new TreeMap<>();
    for (Gauge g : registry.find(SweepGauge.NAME).gauges()) {
      out.put(
          g.getId().getTag("namespace")
              + "/"
              + g.getId().getTag("sweep")
              + "/"
              + g.getId().getTag("state"),
          g.value());
    }
    return out;
  }

  @Test
  void countsEachSweepsTrialsByState() {
    cache.addAll(List.of(sweep("a", "s1", 1, 2, 3, 4, 5), sweep("b", "s2")));
    gauge.watch(cache::stream);
    Map<String, Double> series = series();
    assertEquals(10, series.size(), "five states of both sweeps: " + series);
    assertEquals(1.0, series.get("a/s1/pending"));
    assertEquals(2.0, series.get("a/s1/running"));
    assertEquals(3.0, series.get("a/s1/succeeded"));
    assertEquals(4.0, series.get("a/s1/failed"));
    assertEquals(5.0, series.get("a/s1/early_stopped"));
    assertEquals(0.0, series.get("b/s2/running"), "no status yet: zeros");
  }

  @Test
  void followsTheCacheAndForgetsDeletedSweeps() {
    cache.addAll(List.of(sweep("a", "s1", 0, 2, 0, 0, 0), sweep("a", "s2", 1, 0, 0, 0, 0)));
    gauge.watch(cache::stream);
    cache.set(0, sweep("a", "s1", 0, 0, 2, 0, 0));
    assertEquals(2.0, series().get("a/s1/succeeded"));
    cache.remove(1);
    gauge.watch(cache::stream);
    assertEquals(5, series().size(), "only s1's series: " + series());
    assertEquals(null, series().get("a/s2/pending"));
  }
}
