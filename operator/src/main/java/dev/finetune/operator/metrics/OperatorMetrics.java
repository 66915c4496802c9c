package dev.finetune.operator.metrics;

import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurationServiceCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.util.function.Consumer;

/**
 * Wires JOSDK's reconcile metrics into Quarkus' Micrometer registry (so they show on
 * /q/metrics). QOSDK's own MicrometerMetricsProvider is a MeterBinder that is bound only after
 * the operator's configuration was built, so JOSDK kept its no-op metrics; this customizer
 * hands JOSDK the registry directly when the configuration is built.
 */
@ApplicationScoped
public class OperatorMetrics implements ConfigurationServiceCustomizer {
  @Inject
  MeterRegistry registry;

  @Override
  public Consumer<ConfigurationServiceOverrider> overrider() {
    return o -> o.withMetrics(MicrometerMetricsV2.newBuilder(registry).build());
  }
}
