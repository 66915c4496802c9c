package dev.finetune.operator.metrics;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.Phase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code finetune_operator_jobs{namespace=..., phase=...}}: FineTuneJobs per namespace and phase,
 * counted from the controller's informer cache (so no finalizer is needed to forget deleted jobs).
 * A namespace's series (one per phase, zeros included, so {@code delta()} sees a job enter a phase)
 * appear when the controller reconciles its first job there, and go when it has none left.
 */
@ApplicationScoped
public class PhaseGauge {
  static final String NAME = "finetune.operator.jobs";
  private static final Supplier<Stream<FineTuneJob>> EMPTY = Stream::empty;
  private final AtomicReference<Supplier<Stream<FineTuneJob>>> cache = new AtomicReference<>(EMPTY);

  /** Namespaces whose gauges are registered. */
  private final Set<String> namespaces = ConcurrentHashMap.newKeySet();

  @Inject MeterRegistry registry;

  /**
   * Called by the controller with its primary cache on every reconcile: registers the gauges of
   * namespaces that gained their first job and removes those of namespaces left without one.
   */
  public synchronized void watch(Supplier<Stream<FineTuneJob>> jobs) {
    cache.set(jobs);
    Set<String> present =
        jobs.get().map(j -> j.getMetadata().getNamespace()).collect(Collectors.toSet());
    for (String ns : present) {
      if (namespaces.add(ns)) {
        register(ns);
      }
    }
    for (String ns : Set.copyOf(namespaces)) {
      if (!present.contains(ns)) {
        namespaces.remove(ns);
        for (Meter m : registry.find(NAME).tag("namespace", ns).meters()) {
          registry.remove(m);
        }
      }
    }
  }

  /**
   * One gauge per phase. The value is a Supplier, which Micrometer holds strongly, not a weakly
   * held object, so the gauges cannot vanish from /q/metrics after a garbage collection.
   */
  private void register(String namespace) {
    for (Phase phase : Phase.values()) {
      Gauge.builder(NAME, () -> count(namespace, phase))
          .description("FineTuneJobs by namespace and phase")
          .tag("namespace", namespace)
          .tag("phase", phase.label())
          .strongReference(true)
          .register(registry);
    }
  }

  double count(String namespace, Phase phase) {
    return cache
        .get()
        .get()
        .filter(
            j ->
                namespace.equals(j.getMetadata().getNamespace())
                    && phase == Phase.of(j.getStatus() == null ? null : j.getStatus().phase))
        .count();
  }
}
