package dev.finetune.operator.sim;

import dev.finetune.operator.observe.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays the Job controller and the kubelet for trainer Jobs on the mock API server, running the
 * REAL trainer: for each trainer Job it creates the pod and starts the container's command as a
 * local child JVM ({@code java -cp <trainer runtime class path> dev.finetune.trainer.cli.Main
 * <container args>}), then writes how it ended into the pod and the Job.
 *
 * <p>The container runs as {@link TrainerContainer} starts it. What the trainer wrote to its
 * termination message file becomes the container's termination message, else (on failure) the log's
 * tail, as with {@code FallbackToLogsOnError}. The metrics port is written in the pod's {@code
 * prometheus.io/port} annotation, and the pod IP is 127.0.0.1, so the operator scrapes the live
 * trainer. For a real API server and its real Job controller, see {@code
 * dev.finetune.operator.cluster.NodeAgent}.
 *
 * <p>Kills on demand: {@link #kill} (SIGKILL, exit 137) and {@link #deletePod} (SIGTERM, exit 143,
 * as a kubelet does for a deleted pod).
 */
public final class SimulatedKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String ns;
  private final Path root;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final LoopFailures failures = new LoopFailures("simulated-kubelet");
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "simulated-kubelet");
            t.setDaemon(true);
            return t;
          });

  /** One pod: the Job it belongs to, its process and its folder. */
  public record Run(String job, String pod, Process process, Path dir, int metricsPort) {
    public Path log() {
      return dir.resolve("trainer.log");
    }

    public Path stderr() {
      return dir.resolve("trainer.err");
    }

    public Path output() {
      return dir.resolve("volumes/work/out");
    }
  }

  public SimulatedKubelet(KubernetesClient client, String ns, Path root) {
    this.client = client;
    this.ns = ns;
    this.root = root;
    loop.scheduleWithFixedDelay(this::tick, 0, 200, TimeUnit.MILLISECONDS);
  }

  /** Address-space caps (bytes) for the trainers of Jobs whose name starts with a prefix. */
  private final Map<String, Long> addressSpaceCaps = new ConcurrentHashMap<>();

  /**
   * Runs the trainers of Jobs named {@code prefix*} under {@code prlimit --as=bytes}, so that
   * libtorch's allocator really fails ("DefaultCPUAllocator: can't allocate memory").
   */
  public void capAddressSpace(String prefix, long bytes) {
    addressSpaceCaps.put(prefix, bytes);
  }

  private final java.util.Set<String> held = ConcurrentHashMap.newKeySet();

  /**
   * Keeps the pod of Job {@code job} from starting (as a node that is slow to pull or schedule
   * would) until {@link #release}. Lets a test change storage between two attempts without racing
   * the next trainer.
   */
  public void hold(String job) {
    held.add(job);
  }

  public void release(String job) {
    held.remove(job);
  }

  /** The pod run of a Job, once started. */
  public Run run(String job) {
    return runs.get(job);
  }

  public Map<String, Run> runs() {
    return Map.copyOf(runs);
  }

  /** SIGKILL to the trainer of {@code job} (exit 137): no checkpoint on the way out. */
  public void kill(String job) {
    runs.get(job).process().destroyForcibly();
  }

  /** Deletes the pod of {@code job}; the kubelet then sends SIGTERM (exit 143). */
  public void deletePod(String job) {
    client.pods().inNamespace(ns).withName(runs.get(job).pod()).delete();
  }

  private void tick() {
    try {
      for (Job job :
          client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.JOB).list().getItems()) {
        String name = job.getMetadata().getName();
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        if (!runs.containsKey(name) && !suspended && !finished(job) && !held.contains(name)) {
          runs.put(name, start(job));
        }
      }
      for (Run run : runs.values()) {
        Pod pod = client.pods().inNamespace(ns).withName(run.pod()).get();
        if (pod == null && run.process().isAlive()) {
          run.process().destroy(); // the pod was deleted: SIGTERM
        }
        if (!run.process().isAlive() && !finishedRuns.contains(run.job())) {
          finishedRuns.add(run.job());
          exited(run, run.process().exitValue(), pod != null);
        }
      }
    } catch (RuntimeException e) {
      failures.record(e);
    }
  }

  private final java.util.Set<String> finishedRuns = ConcurrentHashMap.newKeySet();

  private static boolean finished(Job job) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                        && "True".equals(c.getStatus()));
  }

  private Run start(Job job) {
    try {
      String jobName = job.getMetadata().getName();
      Path dir = Files.createDirectories(root.resolve(jobName));
      var podSpec = job.getSpec().getTemplate().getSpec();
      List<String> wrapper = new ArrayList<>();
      Map<String, String> extraEnv = new HashMap<>();
      addressSpaceCaps.entrySet().stream()
          .filter(e -> jobName.startsWith(e.getKey()))
          .findFirst()
          .ifPresent(
              e -> {
                wrapper.addAll(List.of("prlimit", "--as=" + e.getValue(), "--"));
                extraEnv.put("MALLOC_ARENA_MAX", "2");
              });
      String podName = jobName + "-" + Long.toString(System.nanoTime() % 100000, 36);
      TrainerContainer.Started started =
          TrainerContainer.start(client, ns, podName, podSpec, dir, wrapper, extraEnv);
      int port = started.metricsPort();
      Map<String, String> annotations =
          new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getAnnotations());
      annotations.put(Labels.PROMETHEUS_PORT, String.valueOf(port));
      Pod pod =
          new PodBuilder()
              .withMetadata(JobOutcome.podMetadata(job, podName))
              .editMetadata()
              .withAnnotations(annotations)
              .endMetadata()
              .withSpec(podSpec)
              .withNewStatus()
              .withPhase("Running")
              .withPodIP("127.0.0.1")
              .withContainerStatuses(
                  new ContainerStatusBuilder()
                      .withName(podSpec.getContainers().get(0).getName())
                      .withNewState()
                      .withNewRunning()
                      .withStartedAt(now())
                      .endRunning()
                      .endState()
                      .build())
              .endStatus()
              .build();
      client.pods().inNamespace(ns).resource(pod).create();
      client
          .batch()
          .v1()
          .jobs()
          .inNamespace(ns)
          .withName(jobName)
          .editStatus(
              j -> {
                j.setStatus(new JobStatusBuilder().withActive(1).withStartTime(now()).build());
                return j;
              });
      return new Run(jobName, podName, started.process(), dir, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Pod and Job status after the trainer exited, as the kubelet and the Job controller write it.
   */
  private final java.util.Set<String> podGoneOnExit = ConcurrentHashMap.newKeySet();

  /**
   * When the trainer of Job {@code job} exits, its pod is deleted before the Job's outcome is
   * written, as when a node is drained or a pod garbage collector removes it: the operator must
   * find the final result in object storage, not in the pod's termination message.
   */
  public void podGoneOnExit(String job) {
    podGoneOnExit.add(job);
  }

  private void exited(Run run, int code, boolean podExists) {
    if (podExists && podGoneOnExit.contains(run.job())) {
      client.pods().inNamespace(ns).withName(run.pod()).delete();
      podExists = false;
    }
    String message =
        TrainerContainer.message(run.dir().resolve("termination-log"), run.stderr(), code);
    if (podExists) {
      client
          .pods()
          .inNamespace(ns)
          .withName(run.pod())
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
                                .withMessage(message)
                                .withFinishedAt(now())
                                .withReason(code == 0 ? "Completed" : "Error")
                                .endTerminated()
                                .endState()
                                .build()));
                return p;
              });
    }
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(run.job()).get();
    if (job == null) {
      return;
    }
    JobOutcome.write(client, ns, job, run.pod(), code);
  }

  /** A free loopback port (for a trainer's metrics or an operator's HTTP server). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Throws what went wrong in the kubelet's own loop, if anything did. */
  public void check() {
    failures.check();
  }

  /** Stops the loop, SIGKILLs every trainer still running, throws any failure of the loop. */
  @Override
  public void close() {
    loop.shutdownNow();
    runs.values().forEach(r -> r.process().destroyForcibly());
    failures.check();
  }
}
