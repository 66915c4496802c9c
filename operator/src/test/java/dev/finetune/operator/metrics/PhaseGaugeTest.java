package dev.finetune.operator.metrics;

import static dev.finetune.operator.Fixtures.ftj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.Phase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PhaseGaugeTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final PhaseGauge gauge = new PhaseGauge();
  final List<FineTuneJob> cache = new ArrayList<>();

  PhaseGaugeTest() {
    gauge.registry = registry;
  }

  static FineTuneJob job(String namespace, String name, String phase) {
    return ftj(name).sentTo(namespace).status(s -> s.phase = phase).obj();
  }

  /** namespace/phase -> value, as /q/metrics would show them. */
  Map<String, Double> series() {
    Map<String, Double> out = new TreeMap<>();
    for (Gauge g : registry.find(PhaseGauge.NAME).gauges()) {
      out.put(g.getId().getTag("namespace") + "/" + g.getId().getTag("phase"), g.value());
    }
    return out;
  }

  @Test
  void countsJobsPerNamespaceAndPhase() {
    cache.addAll(
        List.of(
            job("team-a", "one", "Running"),
            job("team-a", "two", "Failed"),
            job("team-a", "three", "Failed"),
            job("team-b", "four", null)));
    gauge.watch(cache::stream);
    Map<String, Double> series = series();
    assertEquals(
        2 * Phase.values().length, series.size(), "every phase of both namespaces: " + series);
    assertEquals(1.0, series.get("team-a/Running"));
    assertEquals(2.0, series.get("team-a/Failed"));
    assertEquals(0.0, series.get("team-a/Pending"));
    assertEquals(1.0, series.get("team-b/Pending"), "no status yet is Pending");
    assertEquals(0.0, series.get("team-b/Failed"));
  }

  @Test
  void followsTheCacheBetweenReconciles() {
    cache.add(job("team-a", "one", "Running"));
    gauge.watch(cache::stream);
    cache.set(0, job("team-a", "one", "Succeeded"));
    Map<String, Double> series = series();
    assertEquals(0.0, series.get("team-a/Running"));
    assertEquals(1.0, series.get("team-a/Succeeded"));
  }

  @Test
  void aNamespaceWithoutJobsLosesItsSeries() {
    cache.addAll(List.of(job("team-a", "one", "Running"), job("team-b", "two", "Running")));
    gauge.watch(cache::stream);
    cache.remove(1);
    gauge.watch(cache::stream);
    assertTrue(
        series().keySet().stream().allMatch(k -> k.startsWith("team-a/")), series().toString());
    cache.add(job("team-b", "three", "Pending"));
    gauge.watch(cache::stream);
    assertEquals(1.0, series().get("team-b/Pending"), "back with its next job");
  }
}
