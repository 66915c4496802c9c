package dev.finetune.operator.sim;

import dev.finetune.operator.observe.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Plays the Job controller and the kubelet, which the mock API server does not have; no trainer
 * runs. Driven by hand ({@link #manual}: {@link #run}, {@link #exit}, {@link #finish}), or, for
 * load drills, by a watch: every trainer Job gets a Running pod at once and ends after {@code
 * runFor} with the exit code the drill's script gives for that Job; it then also counts every Job
 * ever created per FineTuneJob, so "scheduled twice" is visible.
 */
public final class InstantKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String ns;
  private final ToIntFunction<Job> exitCode;
  private final Function<Job, String> result;
  private final long runForMillis;
  private final ScheduledExecutorService pool;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final Map<String, Set<String>> jobsByOwner = new ConcurrentHashMap<>();
  private final Watch watch;
  private volatile boolean serviceAccountAdmission;

  private InstantKubelet(KubernetesClient client, String ns) {
    this.client = client;
    this.ns = ns;
    this.runForMillis = 0;
    this.exitCode = null;
    this.result = j -> null;
    this.pool = null;
    this.watch = null;
  }

  /** A kubelet that does only what the test tells it. */
  public static InstantKubelet manual(KubernetesClient client, String ns) {
    return new InstantKubelet(client, ns);
  }

  private final LoopFailures failures = new LoopFailures("instant-kubelet");

  public InstantKubelet(
      KubernetesClient client, String ns, long runForMillis, ToIntFunction<Job> exitCode) {
    this(client, ns, runForMillis, exitCode, j -> null);
  }

  /**
   * As above; a trainer that exits 0 leaves {@code result} of its Job as its termination message
   * (what a real trainer writes there: its FinalResult JSON, or null for none).
   */
  public InstantKubelet(
      KubernetesClient client,
      String ns,
      long runForMillis,
      ToIntFunction<Job> exitCode,
      Function<Job, String> result) {
    this.client = client;
    this.ns = ns;
    this.runForMillis = runForMillis;
    this.exitCode = exitCode;
    this.result = result;
    this.pool =
        Executors.newScheduledThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "instant-kubelet");
              t.setDaemon(true);
              return t;
            });
    this.watch =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .withLabel(Labels.JOB)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Job job) {
                    if (action == Action.ADDED && seen.add(job.getMetadata().getName())) {
                      jobsByOwner
                          .computeIfAbsent(
                              job.getMetadata().getLabels().get(Labels.JOB),
                              k -> ConcurrentHashMap.newKeySet())
                          .add(job.getMetadata().getName());
                      if (!Boolean.TRUE.equals(job.getSpec().getSuspend())) {
                        pool.execute(() -> start(job));
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException e) {
                    // closed by close()
                  }
                });
  }

  /**
   * From now on, as the API server's ServiceAccount admission plugin does, a pod whose
   * serviceAccountName does not exist in its namespace is never created (the Job stays without
   * pods).
   */
  public InstantKubelet requireServiceAccounts() {
    serviceAccountAdmission = true;
    return this;
  }

  /** Every trainer Job name ever created for the FineTuneJob {@code owner}. */
  public Set<String> jobsOf(String owner) {
    return Set.copyOf(jobsByOwner.getOrDefault(owner, Set.of()));
  }

  public int jobsCreated() {
    return seen.size();
  }

  public Job job(String name) {
    return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
  }

  /** The Job's pod is scheduled and its trainer runs. */
  public Pod run(String jobName) {
    return run(job(jobName));
  }

  private Pod run(Job job) {
    String name = job.getMetadata().getName();
    Pod pod =
        client
            .pods()
            .inNamespace(ns)
            .resource(
                new PodBuilder()
                    .withMetadata(JobOutcome.podMetadata(job, name + "-pod"))
                    .withSpec(job.getSpec().getTemplate().getSpec())
                    .withNewStatus()
                    .withPhase("Running")
                    .withPodIP("127.0.0.1")
                    .endStatus()
                    .build())
            .create();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withName(name)
        .editStatus(
            j -> {
              j.setStatus(new JobStatusBuilder().withActive(1).withStartTime(now()).build());
              return j;
            });
    return pod;
  }

  /** The trainer exits with {@code code}; the Job fails (backoffLimit 0) unless it is 0. */
  public void exit(String jobName, int code, String terminationMessage) {
    client
        .pods()
        .inNamespace(ns)
        .withName(jobName + "-pod")
        .editStatus(
            p -> {
              p.getStatus().setPhase(code == 0 ? "Succeeded" : "Failed");
              p.getStatus()
                  .setContainerStatuses(
                      List.of(
                          new ContainerStatusBuilder()
                              .withName(Labels.TRAINER_CONTAINER)
                              .withNewState()
                              .withNewTerminated()
                              .withExitCode(code)
                              .withFinishedAt(now())
                              .withMessage(terminationMessage)
                              .endTerminated()
                              .endState()
                              .build()));
              return p;
            });
    finish(jobName, code == 0);
  }

  /** The Job controller notices its pod ended (or vanished) and records the outcome. */
  public void finish(String jobName, boolean succeeded) {
    JobOutcome.write(client, ns, jobName, succeeded);
  }

  private void start(Job job) {
    String name = job.getMetadata().getName();
    try {
      String sa = job.getSpec().getTemplate().getSpec().getServiceAccountName();
      if (serviceAccountAdmission
          && client.serviceAccounts().inNamespace(ns).withName(sa == null ? "default" : sa).get()
              == null) {
        System.err.println(
            "[instant-kubelet] "
                + name
                + ": error looking up service account "
                + ns
                + "/"
                + sa
                + ": not found");
        return;
      }
      run(job);
      int code = exitCode.applyAsInt(job);
      String message = code == 0 ? result.apply(job) : "error: drill exit " + code;
      pool.schedule(() -> drillExit(name, code, message), runForMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      failures.record(e);
    }
  }

  private void drillExit(String name, int code, String message) {
    try {
      exit(name, code, message);
    } catch (RuntimeException e) {
      failures.record(e);
    }
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Throws what went wrong in the kubelet's own threads, if anything did. */
  public void check() {
    failures.check();
  }

  /** Stops watching; throws any failure of the kubelet's own threads. */
  @Override
  public void close() {
    if (watch != null) {
      watch.close();
      pool.shutdownNow();
    }
    failures.check();
  }
}
