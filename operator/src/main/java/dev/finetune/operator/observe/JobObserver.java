package dev.finetune.operator.observe;

import dev.finetune.api.v1alpha1.FineTuneJob;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Phase 1: reads the FineTuneJob's trainer Jobs and their pods from the informer caches. It never
 * writes anything: the observer never acts.
 */
public final class JobObserver {
  private JobObserver() {}

  /**
   * {@code progress} gives the latest cached /metrics snapshot of the running pod (a {@link
   * ProgressScraper} read: no I/O on the reconcile thread).
   */
  public static Observation observe(
      FineTuneJob ftj,
      Context<FineTuneJob> context,
      Function<Pod, Optional<TrainerMetrics>> progress) {
    String uid = ftj.getMetadata().getUid();
    List<Job> jobs =
        context.getSecondaryResources(Job.class).stream()
            .filter(
                j ->
                    j.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> Objects.equals(o.getUid(), uid)))
            .toList();
    List<Pod> pods = List.copyOf(context.getSecondaryResources(Pod.class));
    Map<String, List<Pod>> podsByAttempt =
        jobs.stream()
            .collect(
                Collectors.toMap(
                    j -> String.valueOf(AttemptReader.attemptNumber(j)),
                    j -> podsOf(j, pods),
                    (a, b) -> java.util.stream.Stream.concat(a.stream(), b.stream()).toList()));
    Observation cached = observe(jobs, podsByAttempt);
    Observation obs =
        confirmPodMissing(
            cached,
            jobs,
            podsByAttempt,
            attempt ->
                context
                    .getClient()
                    .pods()
                    .inNamespace(ftj.getMetadata().getNamespace())
                    .withLabel(Labels.JOB, ftj.getMetadata().getName())
                    .withLabel(Labels.ATTEMPT, String.valueOf(attempt))
                    .list()
                    .getItems());
    return obs.latest()
        .filter(a -> a.state() == AttemptState.RUNNING)
        .flatMap(
            a ->
                podsByAttempt.getOrDefault(labelOf(jobs, a), List.of()).stream()
                    .filter(
                        p ->
                            p.getStatus() != null
                                && "Running".equals(p.getStatus().getPhase())
                                && p.getStatus().getPodIP() != null)
                    .findFirst())
        .flatMap(progress)
        .map(m -> new Observation(obs.attempts(), Optional.of(m)))
        .orElse(obs);
  }

  /**
   * A failed latest attempt whose pod the cache does not hold would be retried as "PodMissing". The
   * pod and Job informers are separate watches (and separate initial lists after a restart), so the
   * Job's failure can be seen before the pod that explains it: a permanent exit would then be run
   * again. Before that decision the attempt's pods are listed from the API server itself and the
   * attempt is read again from them. One list call, only on this path.
   */
  static Observation confirmPodMissing(
      Observation cached,
      List<Job> jobs,
      Map<String, List<Pod>> podsByAttempt,
      IntFunction<List<Pod>> livePodsOfAttempt) {
    Optional<Attempt> latest =
        cached
            .latest()
            .filter(
                a ->
                    a.state() == AttemptState.FAILED_RETRYABLE
                        && AttemptReader.POD_MISSING.equals(a.reason()));
    if (latest.isEmpty()) {
      return cached;
    }
    String label = labelOf(jobs, latest.get());
    int number = Integer.parseInt(label);
    List<Pod> live = livePodsOfAttempt.apply(number);
    Map<String, List<Pod>> confirmed = new HashMap<>(podsByAttempt);
    confirmed.put(
        label,
        jobs.stream()
            .filter(j -> AttemptReader.attemptNumber(j) == number)
            .flatMap(j -> podsOf(j, live).stream())
            .toList());
    return observe(jobs, confirmed);
  }

  /**
   * The attempt label of an attempt's Job, the key of {@code podsByAttempt}: the attempt's number
   * for a one-pod Job, the number of its first pod for a Job that retries its own pods.
   */
  static String labelOf(List<Job> jobs, Attempt a) {
    return jobs.stream()
        .filter(j -> a.jobName().equals(j.getMetadata().getName()))
        .findFirst()
        .map(j -> String.valueOf(AttemptReader.attemptNumber(j)))
        .orElse(String.valueOf(a.number()));
  }

  /**
   * The pods of this Job: those whose controller is the Job (ownerReference with the Job's uid,
   * else the Job controller's {@code batch.kubernetes.io/controller-uid} label). Labels alone are
   * not enough: a FineTuneJob deleted and re-created under the same name has Jobs and pods with the
   * same names and labels until the garbage collector removes the old ones.
   */
  public static List<Pod> podsOf(Job job, List<Pod> pods) {
    String uid = job.getMetadata().getUid();
    return uid == null
        ? List.of()
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
  public static int metricsPort(Pod pod, int fallback) {
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
    return new Observation(
        jobs.stream()
            .map(
                j ->
                    AttemptReader.read(
                        j,
                        podsByAttempt.getOrDefault(
                            String.valueOf(AttemptReader.attemptNumber(j)), List.of())))
            .toList());
  }
}
