package dev.finetune.operator.cluster;

import dev.finetune.operator.sim.TrainerContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a pod's container as a local child JVM ({@link TrainerContainer}: the trainer CLI), at pod
 * IP 127.0.0.1 with the metrics port moved to a free loopback port that the pod's {@code
 * prometheus.io/port} annotation names.
 */
public final class ProcessRuntime implements PodRuntime {
  private final KubernetesClient client;

  public ProcessRuntime(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Container start(Pod pod, Path dir) throws IOException {
    TrainerContainer.Started started;
    try {
      started =
          TrainerContainer.start(
              client,
              pod.getMetadata().getNamespace(),
              pod.getMetadata().getName(),
              pod.getSpec(),
              dir,
              List.of(),
              Map.of());
    } catch (TrainerContainer.Refused e) {
      throw new Refused(e.getMessage());
    }
    return new Child(started);
  }

  private record Child(TrainerContainer.Started started) implements Container {
    @Override
    public boolean alive() {
      return started.process().isAlive();
    }

    @Override
    public int exitCode() {
      return started.process().exitValue();
    }

    @Override
    public void terminate() {
      started.process().destroy();
    }

    @Override
    public void kill() {
      started.process().destroyForcibly();
    }

    @Override
    public boolean awaitExit(Duration timeout) throws InterruptedException {
      return started.process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String message(int exitCode) {
      return TrainerContainer.message(started.terminationLog(), started.stderr(), exitCode);
    }

    @Override
    public String ip() {
      return "127.0.0.1";
    }

    @Override
    public Map<String, String> annotations() {
      return Map.of("prometheus.io/port", String.valueOf(started.metricsPort()));
    }
  }
}
