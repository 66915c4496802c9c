package dev.finetune.operator.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Adds client-side p50/p99 (over a sliding 5-minute window) to JOSDK's reconcile timer, published
 * as {@code reconciliations_execution_duration_seconds{quantile="0.99"}}. JOSDK already gives the
 * timer SLO buckets (10 ms .. 30 s) for {@code histogram_quantile}; the exact quantiles are what
 * the load drill and an operator's on-call read. Quarkus applies every {@link MeterFilter} bean.
 */
public class ReconcileQuantiles {
  static final String TIMER = "reconciliations.execution.duration";

  @Produces
  @Singleton
  MeterFilter reconcileLatencyBuckets() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig c) {
        if (!id.getName().equals(TIMER)) {
          return c;
        }
        return DistributionStatisticConfig.builder()
            .percentiles(0.5, 0.99)
            .expiry(Duration.ofMinutes(5))
            .bufferLength(3)
            .build()
            .merge(c);
      }
    };
  }
}
