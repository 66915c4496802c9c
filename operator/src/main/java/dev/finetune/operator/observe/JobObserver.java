package dev.finetune.operator.observe;

import dev.finetune.api.v1alpha1.FineTuneJob;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Phase 1: reads the FineTuneJob's trainer Jobs and their pods from the informer caches. It never
 * writes anything: the observer never acts.
 */
public final class JobObserver {
  private JobObserver() {}

  public static Observation observe(FineTuneJob ftj, Context<FineTuneJob> context,
      MetricsScraper scraper, int metricsPort) {
    String uid = ftj.getMetadata().getUid();
    List<Job> jobs = context.getSecondaryResources(Job.class).stream()
        .filter(j -> j.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Objects.equals(o.getUid(), uid)))
        .toList();
    Map<String, List<Pod>> podsByAttempt = context.getSecondaryResources(Pod.class).stream()
        .filter(p -> p.getMetadata().getLabels() != null
            && p.getMetadata().getLabels().get(Labels.ATTEMPT) != null)
        .collect(Collectors.groupingBy(p -> p.getMetadata().getLabels().get(Labels.ATTEMPT)));
    Observation obs = observe(jobs, podsByAttempt);
    return obs.latest().filter(a -> a.state() == AttemptState.RUNNING)
        .flatMap(a -> podsByAttempt.getOrDefault(String.valueOf(a.number()), List.of()).stream()
            .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                && p.getStatus().getPodIP() != null)
            .findFirst())
        .flatMap(p -> scraper.scrape(p.getStatus().getPodIP(), metricsPort(p, metricsPort)))
        .map(text -> new Observation(obs.attempts(), Optional.of(TrainerMetrics.parse(text))))
        .orElse(obs);
  }

  /**
   * The port the pod declares in its {@code prometheus.io/port} annotation (what any Prometheus
   * would scrape), else {@code fallback} (finetune.operator.metrics-port).
   */
  static int metricsPort(Pod pod, int fallback) {
    var annotations = pod.getMetadata().getAnnotations();
    String port = annotations == null ? null : annotations.get(Labels.PROMETHEUS_PORT);
    try {
      return port == null ? fallback : Integer.parseInt(port);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** The same from plain lists, for tests. */
  public static Observation observe(List<Job> jobs, Map<String, List<Pod>> podsByAttempt) {
    return new Observation(jobs.stream()
        .map(j -> AttemptReader.read(j, podsByAttempt.getOrDefault(
            String.valueOf(AttemptReader.attemptNumber(j)), List.of())))
        .toList());
  }
}
