package dev.finetune.operator.metrics;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.Phase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code finetune_operator_jobs{phase=...}}: FineTuneJobs per phase, counted from the
 * controller's informer cache (so no finalizer is needed to forget deleted jobs).
 */
@ApplicationScoped
public class PhaseGauge {
  private static final java.util.function.Supplier<Stream<FineTuneJob>> EMPTY = Stream::empty;
  private final AtomicReference<java.util.function.Supplier<Stream<FineTuneJob>>> cache =
      new AtomicReference<>(EMPTY);

  @Inject
  MeterRegistry registry;

  void register(@Observes StartupEvent ignored) {
    register();
  }

  /**
   * Registers one gauge per phase. Idempotent (Micrometer returns the existing meter). The value
   * is a Supplier, which Micrometer holds strongly, not a weakly held object, so the gauges
   * cannot vanish from /q/metrics after a garbage collection.
   */
  private void register() {
    for (Phase phase : Phase.values()) {
      Gauge.builder("finetune.operator.jobs", () -> count(phase))
          .description("FineTuneJobs by phase: " + phase.description())
          .tag("phase", phase.label())
          .strongReference(true)
          .register(registry);
    }
  }

  /** Called by the controller with its primary cache. */
  public void watch(java.util.function.Supplier<Stream<FineTuneJob>> jobs) {
    if (cache.getAndSet(jobs) == EMPTY) {
      register(); // the first reconcile after a start: make sure the gauges are there
    }
  }

  double count(Phase phase) {
    return cache.get().get().filter(j -> phase == Phase.of(
        j.getStatus() == null ? null : j.getStatus().phase)).count();
  }
}
