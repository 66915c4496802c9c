package dev.finetune.operator.metrics;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.Conditions;
import dev.finetune.contract.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Per-job series for alerts that must name the job (grafana/alerts.yaml), one series per job in
 * trouble only, so their number stays that of the jobs to look at:
 *
 * <ul>
 *   <li>{@code finetune_operator_job_failed_timestamp_seconds{namespace, job}}: when a Failed job
 *       failed (its Failed condition's lastTransitionTime), while the job exists;
 *   <li>{@code finetune_operator_job_storage_unreachable{namespace, job}}: 1 while a job's
 *       StorageReachable condition is False (the operator could not read its checkpoints).
 * </ul>
 *
 * The {@code job} label is the FineTuneJob's name, as on the trainer's series; the ServiceMonitor
 * scrapes with honorLabels so it is not renamed to exported_job. Values are computed on reconcile
 * from the controller's cache and only read by a scrape.
 */
@ApplicationScoped
public class JobGauges {
  static final String FAILED = "finetune.operator.job.failed.timestamp.seconds";
  static final String STORAGE = "finetune.operator.job.storage.unreachable";

  /** metric name -> "namespace/job" -> value. */
  private final Map<String, Map<String, Double>> values = new ConcurrentHashMap<>();

  @Inject MeterRegistry registry;

  /** Called by the controller with its primary cache on every reconcile. */
  public synchronized void watch(Supplier<Stream<FineTuneJob>> jobs) {
    Map<String, Double> failed = new HashMap<>();
    Map<String, Double> storage = new HashMap<>();
    jobs.get()
        .forEach(
            j -> {
              String key = j.getMetadata().getNamespace() + "/" + j.getMetadata().getName();
              if (j.getStatus() == null) {
                return;
              }
              if (Phase.of(j.getStatus().phase) == Phase.FAILED) {
                failed.put(
                    key,
                    condition(j, Conditions.FAILED)
                        .map(c -> epochSeconds(c, key))
                        .orElseGet(
                            () ->
                                values
                                    .getOrDefault(FAILED, Map.of())
                                    .getOrDefault(key, (double) Instant.now().getEpochSecond())));
              }
              if (condition(j, Conditions.STORAGE_REACHABLE)
                  .filter(c -> "False".equals(c.getStatus()))
                  .isPresent()) {
                storage.put(key, 1.0);
              }
            });
    sync(FAILED, "When a Failed FineTuneJob failed (unix seconds)", failed);
    sync(STORAGE, "1 while a FineTuneJob's object storage does not answer the operator", storage);
  }

  private double epochSeconds(Condition c, String key) {
    try {
      return Instant.parse(c.getLastTransitionTime()).getEpochSecond();
    } catch (DateTimeParseException | NullPointerException e) {
      return values
          .getOrDefault(FAILED, Map.of())
          .getOrDefault(key, (double) Instant.now().getEpochSecond());
    }
  }

  private static Optional<Condition> condition(FineTuneJob j, String type) {
    return j.getStatus().conditions == null
        ? Optional.empty()
        : j.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private void sync(String name, String description, Map<String, Double> now) {
    Map<String, Double> current = values.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
    for (String key : Map.copyOf(current).keySet()) {
      if (!now.containsKey(key)) {
        current.remove(key);
        String[] nsJob = key.split("/", 2);
        for (Meter m :
            registry.find(name).tag("namespace", nsJob[0]).tag("job", nsJob[1]).meters()) {
          registry.remove(m);
        }
      }
    }
    now.forEach(
        (key, value) -> {
          if (current.put(key, value) == null) {
            String[] nsJob = key.split("/", 2);
            Gauge.builder(name, () -> current.getOrDefault(key, Double.NaN))
                .description(description)
                .tag("namespace", nsJob[0])
                .tag("job", nsJob[1])
                .strongReference(true)
                .register(registry);
          }
        });
  }
}
