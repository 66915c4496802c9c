package dev.finetune.operator.sim;

import dev.finetune.operator.observe.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
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
import java.util.function.ToIntFunction;

/**
 * A kubelet for load drills: no trainer runs; every trainer Job gets a Running pod at once and
 * ends after {@code runFor} with the exit code the drill's script gives for that Job. It also
 * counts every Job ever created per FineTuneJob, so "scheduled twice" is visible.
 */
public final class InstantKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String ns;
  private final ToIntFunction<Job> exitCode;
  private final long runForMillis;
  private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(4, r -> {
    Thread t = new Thread(r, "instant-kubelet");
    t.setDaemon(true);
    return t;
  });
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final Map<String, Set<String>> jobsByOwner = new ConcurrentHashMap<>();
  private final Watch watch;

  public InstantKubelet(KubernetesClient client, String ns, long runForMillis,
      ToIntFunction<Job> exitCode) {
    this.client = client;
    this.ns = ns;
    this.runForMillis = runForMillis;
    this.exitCode = exitCode;
    this.watch = client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.JOB)
        .watch(new Watcher<>() {
          @Override
          public void eventReceived(Action action, Job job) {
            if (action == Action.ADDED && seen.add(job.getMetadata().getName())) {
              jobsByOwner.computeIfAbsent(job.getMetadata().getLabels().get(Labels.JOB),
                  k -> ConcurrentHashMap.newKeySet()).add(job.getMetadata().getName());
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

  /** Every trainer Job name ever created for the FineTuneJob {@code owner}. */
  public Set<String> jobsOf(String owner) {
    return Set.copyOf(jobsByOwner.getOrDefault(owner, Set.of()));
  }

  public int jobsCreated() {
    return seen.size();
  }

  private void start(Job job) {
    String name = job.getMetadata().getName();
    try {
      client.pods().inNamespace(ns).resource(new PodBuilder()
          .withMetadata(JobOutcome.podMetadata(job, name + "-pod"))
          .withSpec(job.getSpec().getTemplate().getSpec())
          .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").endStatus().build())
          .create();
      client.batch().v1().jobs().inNamespace(ns).withName(name).editStatus(j -> {
        j.setStatus(new JobStatusBuilder().withActive(1).withStartTime(now()).build());
        return j;
      });
      int code = exitCode.applyAsInt(job);
      pool.schedule(() -> exit(name, code), runForMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      System.err.println("[instant-kubelet] " + name + ": " + e);
    }
  }

  private void exit(String name, int code) {
    try {
      client.pods().inNamespace(ns).withName(name + "-pod").editStatus(p -> {
        p.getStatus().setPhase(code == 0 ? "Succeeded" : "Failed");
        p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder()
            .withName(Labels.TRAINER_CONTAINER).withNewState().withNewTerminated()
            .withExitCode(code).withFinishedAt(now())
            .withMessage(code == 0 ? null : "error: drill exit " + code)
            .endTerminated().endState().build()));
        return p;
      });
      JobOutcome.write(client, ns, name, code == 0);
    } catch (RuntimeException e) {
      System.err.println("[instant-kubelet] " + name + ": " + e);
    }
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Override
  public void close() {
    watch.close();
    pool.shutdownNow();
  }
}
