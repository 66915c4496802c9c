package dev.finetune.trainer.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The server's Prometheus series, scraped at {@code GET /metrics} in the text format the trainer's
 * own metrics use:
 *
 * <ul>
 *   <li>{@code finetune_serve_requests_total{model, code}}: HTTP requests by status code;
 *   <li>{@code finetune_serve_request_seconds{model}}: a latency histogram of infer requests;
 *   <li>{@code finetune_serve_batch_images{model}}: a histogram of the images per forward pass;
 *   <li>{@code finetune_serve_images_total{model}}: images classified.
 * </ul>
 */
final class ServeMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String model;
  private final Timer latency;
  private final DistributionSummary batches;
  private final Counter images;

  ServeMetrics(String model) {
    this.model = model;
    latency =
        Timer.builder("finetune.serve.request")
            .description("infer request latency, from the body read to the response")
            .tag("model", model)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    batches =
        DistributionSummary.builder("finetune.serve.batch.images")
            .description("images per forward pass")
            .tag("model", model)
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128)
            .register(registry);
    images =
        Counter.builder("finetune.serve.images")
            .description("images classified")
            .tag("model", model)
            .register(registry);
  }

  void request(int status) {
    Counter.builder("finetune.serve.requests")
        .description("HTTP requests by status code")
        .tags("model", model, "code", Integer.toString(status))
        .register(registry)
        .increment();
  }

  void inferred(long nanos) {
    latency.record(Duration.ofNanos(nanos));
  }

  void batch(int size) {
    batches.record(size);
    images.increment(size);
  }

  String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    registry.close();
  }
}
