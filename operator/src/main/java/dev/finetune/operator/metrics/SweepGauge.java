package dev.finetune.operator.metrics;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.TrialCounts;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code finetune_operator_sweep_trials{namespace=..., sweep=..., state=...}}: a FineTuneSweep's
 * trials by state (pending, running, succeeded, failed, early_stopped), its status.counts read from
 * the sweep controller's informer cache, as {@link PhaseGauge} reads the jobs'. A sweep's series
 * (one per state, zeros included) appear when the controller reconciles it and go when it is
 * deleted.
 */
@ApplicationScoped
public class SweepGauge {
  static final String NAME = "finetune.operator.sweep.trials";

  /** The states, in the order of status.counts, and how each is read from it. */
  static final Map<String, Function<TrialCounts, Integer>> STATES =
      Map.of(
          "pending", c -> c.pending,
          "running", c -> c.running,
          "succeeded", c -> c.succeeded,
          "failed", c -> c.failed,
          "early_stopped", c -> c.earlyStopped);

  private static final Supplier<Stream<FineTuneSweep>> EMPTY = Stream::empty;
  private final AtomicReference<Supplier<Stream<FineTuneSweep>>> cache =
      new AtomicReference<>(EMPTY);

  /** namespace/name of the sweeps whose gauges are registered. */
  private final Set<String> sweeps = ConcurrentHashMap.newKeySet();

  @Inject MeterRegistry registry;

  /** Called by the sweep controller with its primary cache on every reconcile. */
  public synchronized void watch(Supplier<Stream<FineTuneSweep>> all) {
    cache.set(all);
    Set<String> present = all.get().map(SweepGauge::key).collect(Collectors.toSet());
    for (String key : present) {
      if (sweeps.add(key)) {
        register(key);
      }
    }
    for (String key : Set.copyOf(sweeps)) {
      if (!present.contains(key)) {
        sweeps.remove(key);
        List<String> parts = List.of(key.split("/", 2));
        for (Meter m :
            registry
                .find(NAME)
                .tag("namespace", parts.get(0))
                .tag("sweep", parts.get(1))
                .meters()) {
          registry.remove(m);
        }
      }
    }
  }

  private void register(String key) {
    List<String> parts = List.of(key.split("/", 2));
    for (var state : STATES.entrySet()) {
      Gauge.builder(NAME, () -> count(key, state.getValue()))
          .description("A FineTuneSweep's trials by state, from its status.counts")
          .tag("namespace", parts.get(0))
          .tag("sweep", parts.get(1))
          .tag("state", state.getKey())
          .strongReference(true)
          .register(registry);
    }
  }

  double count(String key, Function<TrialCounts, Integer> state) {
    return cache
        .get()
        .get()
        .filter(s -> key.equals(key(s)))
        .filter(s -> s.getStatus() != null && s.getStatus().counts != null)
        .map(s -> state.apply(s.getStatus().counts))
        .filter(n -> n != null)
        .mapToInt(Integer::intValue)
        .sum();
  }

  private static String key(FineTuneSweep s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }
}
