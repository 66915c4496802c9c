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
    List<Pod> pods = List.copyOf(context.getSecondaryResources(Pod.class));
    Map<String, List<Pod>> podsByAttempt = jobs.stream().collect(Collectors.toMap(
        j -> String.valueOf(AttemptReader.attemptNumber(j)), j -> podsOf(j, pods),
        (a, b) -> java.util.stream.Stream.concat(a.stream(), b.stream()).toList()));
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
   * The pods of this Job: those whose controller is the Job (ownerReference with the Job's uid,
   * else the Job controller's {@code batch.kubernetes.io/controller-uid} label). Labels alone are
   * not enough: a FineTuneJob deleted and re-created under the same name has Jobs and pods with
   * the same names and labels until the garbage collector removes the old ones.
   */
  public static List<Pod> podsOf(Job job, List<Pod> pods) {
    String uid = job.getMetadata().getUid();
    return uid == null ? List.of()
        : pods.stream().filter(p -> uid.equals(controllerUid(p))).toList();
  }

  static String controllerUid(Pod pod) {
    var owners = pod.getMetadata().getOwnerReferences();
    if (owners != null) {
      for (var o : owners) {
        if (Boolean.TRUE.equals(o.getController()) && "Job".equals(o.getKind())) {
          return o.getUid();
        }
      }
    }
    var labels = pod.getMetadata().getLabels();
    if (labels == null) {
      return null;
    }
    return labels.getOrDefault(Labels.CONTROLLER_UID, labels.get(Labels.LEGACY_CONTROLLER_UID));
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
