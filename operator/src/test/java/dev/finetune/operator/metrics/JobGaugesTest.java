package dev.finetune.operator.metrics;

import static dev.finetune.operator.Fixtures.ftj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.FineTuneJob;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JobGaugesTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final JobGauges gauges = new JobGauges();
  final List<FineTuneJob> cache = new ArrayList<>();

  JobGaugesTest() {
    gauges.registry = registry;
  }

  static FineTuneJob job(
      String namespace, String name, String phase, String condition, String status, String at) {
    return ftj(name)
        .sentTo(namespace)
        .status(
            s -> {
              s.phase = phase;
              if (condition != null) {
                s.conditions.add(
                    new ConditionBuilder()
                        .withType(condition)
                        .withStatus(status)
                        .withLastTransitionTime(at)
                        .build());
              }
            })
        .obj();
  }

  /** namespace/job -> value of one metric. */
  Map<String, Double> series(String name) {
    Map<String, Double> out = new TreeMap<>();
    for (Gauge g : registry.find(name).gauges()) {
      out.put(g.getId().getTag("namespace") + "/" + g.getId().getTag("job"), g.value());
    }
    return out;
  }

  @Test
  void aFailedJobHasOneSeriesWithItsFailureTime() {
    String at = "2026-12-01T10:00:00Z";
    cache.addAll(
        List.of(
            job("team-a", "bad", "Failed", "Failed", "True", at),
            job("team-a", "ok", "Running", "Running", "True", at),
            job("team-b", "fine", "Succeeded", "Succeeded", "True", at)));
    gauges.watch(cache::stream);
    assertEquals(
        Map.of("team-a/bad", (double) Instant.parse(at).getEpochSecond()),
        series(JobGauges.FAILED));
    cache.remove(0);
    gauges.watch(cache::stream);
    assertEquals(Map.of(), series(JobGauges.FAILED), "gone with the job");
  }

  @Test
  void storageUnreachableWhileTheConditionIsFalse() {
    cache.add(job("team-a", "far", "Running", "StorageReachable", "False", "2026-12-01T10:00:00Z"));
    gauges.watch(cache::stream);
    assertEquals(Map.of("team-a/far", 1.0), series(JobGauges.STORAGE));
    cache.set(
        0, job("team-a", "far", "Running", "StorageReachable", "True", "2026-12-01T10:05:00Z"));
    gauges.watch(cache::stream);
    assertEquals(Map.of(), series(JobGauges.STORAGE), "resolved: no series");
  }
}
