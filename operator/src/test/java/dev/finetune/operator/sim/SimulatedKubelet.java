package dev.finetune.operator.sim;

import dev.finetune.operator.observe.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
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
 * <p>What a node would provide is mapped onto a per-pod folder: the ConfigMap volume mounted at
 * /etc/finetune is materialised there, and paths under /work and /tmp are rewritten into it. The
 * container's env is passed through (the downward-API namespace resolved, the envFrom Secret read
 * from the API server), and the termination message file is a file in that folder: what the
 * trainer wrote there becomes the container's termination message, else (on failure) the log's
 * tail, as with {@code FallbackToLogsOnError}. The metrics port becomes a free loopback port, written in the pod's
 * {@code prometheus.io/port} annotation, and the pod IP is 127.0.0.1, so the operator scrapes
 * the live trainer. DJL's native-library cache is shared (as if baked into the image).
 *
 * <p>Kills on demand: {@link #kill} (SIGKILL, exit 137) and {@link #deletePod} (SIGTERM,
 * exit 143, as a kubelet does for a deleted pod).
 */
public final class SimulatedKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String ns;
  private final Path root;
  private final String trainerClasspath;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
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
      return dir.resolve("work/out");
    }
  }

  public SimulatedKubelet(KubernetesClient client, String ns, Path root) {
    this.client = client;
    this.ns = ns;
    this.root = root;
    this.trainerClasspath = System.getProperty("finetune.trainer.classpath");
    if (trainerClasspath == null) {
      throw new IllegalStateException("system property finetune.trainer.classpath is not set"
          + " (run through Maven: mvn -B -o -pl operator -am verify)");
    }
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
   * would) until {@link #release}. Lets a test change storage between two attempts without
   * racing the next trainer.
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
      for (Job job : client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.JOB).list()
          .getItems()) {
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
      System.err.println("[simulated-kubelet] " + e);
    }
  }

  private final java.util.Set<String> finishedRuns = ConcurrentHashMap.newKeySet();

  private static boolean finished(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                && "True".equals(c.getStatus()));
  }

  private Run start(Job job) {
    try {
      String jobName = job.getMetadata().getName();
      Path dir = Files.createDirectories(root.resolve(jobName));
      Path work = Files.createDirectories(dir.resolve("work"));
      Path tmp = Files.createDirectories(dir.resolve("tmp"));
      var podSpec = job.getSpec().getTemplate().getSpec();
      Container c = podSpec.getContainers().get(0);
      Map<String, Path> mounts = new LinkedHashMap<>();
      mounts.put("/work", work);
      mounts.put("/tmp", tmp);
      // the kubelet mounts an empty file at terminationMessagePath
      String terminationPath = c.getTerminationMessagePath() != null
          ? c.getTerminationMessagePath() : "/dev/termination-log";
      mounts.put(terminationPath, Files.createFile(dir.resolve("termination-log")));
      for (var m : c.getVolumeMounts()) {
        Volume v = podSpec.getVolumes().stream().filter(x -> x.getName().equals(m.getName()))
            .findFirst().orElseThrow();
        if (v.getConfigMap() != null) {
          ConfigMap cm = client.configMaps().inNamespace(ns).withName(v.getConfigMap().getName())
              .get();
          Path mdir = Files.createDirectories(dir.resolve("mounts/" + m.getName()));
          for (var e : cm.getData().entrySet()) {
            Files.writeString(mdir.resolve(e.getKey()), e.getValue());
          }
          mounts.put(m.getMountPath(), mdir);
        }
      }
      int port = freePort();
      List<String> args = new ArrayList<>();
      for (int i = 0; i < c.getArgs().size(); i++) {
        String a = c.getArgs().get(i);
        if (i > 0 && c.getArgs().get(i - 1).equals("--metrics-port")) {
          a = String.valueOf(port);
        }
        args.add(rewrite(a, mounts));
      }
      Map<String, String> env = new HashMap<>();
      for (EnvFromSource from : c.getEnvFrom()) {
        Secret secret = client.secrets().inNamespace(ns).withName(from.getSecretRef().getName())
            .get();
        secret.getData().forEach((k, v) ->
            env.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
      }
      for (EnvVar e : c.getEnv()) {
        if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
            && "metadata.namespace".equals(e.getValueFrom().getFieldRef().getFieldPath())) {
          env.put(e.getName(), ns);
        } else if (e.getValue() != null) {
          env.put(e.getName(), rewrite(e.getValue(), mounts));
        }
      }
      env.put("DJL_CACHE_DIR", System.getProperty("finetune.djl.cache",
          System.getProperty("user.home") + "/.djl.ai"));

      List<String> cmd = new ArrayList<>();
      addressSpaceCaps.entrySet().stream().filter(e -> jobName.startsWith(e.getKey())).findFirst()
          .ifPresent(e -> {
            cmd.addAll(List.of("prlimit", "--as=" + e.getValue(), "--"));
            env.put("MALLOC_ARENA_MAX", "2");
          });
      cmd.addAll(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx1g", "-XX:CompressedClassSpaceSize=128m", "-XX:ReservedCodeCacheSize=64m",
          "-Dai.djl.offline=true", "-cp", trainerClasspath,
          "dev.finetune.trainer.cli.Main"));
      cmd.addAll(args);
      Files.writeString(dir.resolve("command.txt"), String.join(" ", cmd) + "\n");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
          .redirectOutput(dir.resolve("trainer.log").toFile())
          .redirectError(dir.resolve("trainer.err").toFile());
      pb.environment().clear();
      pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
      pb.environment().putAll(env);

      String podName = jobName + "-" + Long.toString(System.nanoTime() % 100000, 36);
      Map<String, String> annotations = new LinkedHashMap<>(
          job.getSpec().getTemplate().getMetadata().getAnnotations());
      annotations.put(Labels.PROMETHEUS_PORT, String.valueOf(port));
      Pod pod = new PodBuilder().withMetadata(JobOutcome.podMetadata(job, podName))
          .editMetadata().withAnnotations(annotations).endMetadata()
          .withSpec(podSpec)
          .withNewStatus().withPhase("Running").withPodIP("127.0.0.1")
          .withContainerStatuses(new ContainerStatusBuilder().withName(c.getName())
              .withNewState().withNewRunning().withStartedAt(now()).endRunning().endState()
              .build())
          .endStatus().build();
      Process process = pb.start();
      client.pods().inNamespace(ns).resource(pod).create();
      client.batch().v1().jobs().inNamespace(ns).withName(jobName).editStatus(j -> {
        j.setStatus(new JobStatusBuilder().withActive(1).withStartTime(now()).build());
        return j;
      });
      return new Run(jobName, podName, process, dir, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Pod and Job status after the trainer exited, as the kubelet and the Job controller write it. */
  private void exited(Run run, int code, boolean podExists) {
    String message = terminationMessage(run.dir().resolve("termination-log"))
        .orElse(code == 0 ? null : logTail(run.stderr()));
    if (podExists) {
      client.pods().inNamespace(ns).withName(run.pod()).editStatus(p -> {
        p.getStatus().setPhase(code == 0 ? "Succeeded" : "Failed");
        p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder()
            .withName(Labels.TRAINER_CONTAINER).withNewState().withNewTerminated()
            .withExitCode(code).withMessage(message).withFinishedAt(now())
            .withReason(code == 0 ? "Completed" : "Error")
            .endTerminated().endState().build()));
        return p;
      });
    }
    Job job = client.batch().v1().jobs().inNamespace(ns).withName(run.job()).get();
    if (job == null) {
      return;
    }
    JobOutcome.write(client, ns, job, run.pod(), code);
  }

  private static String rewrite(String value, Map<String, Path> mounts) {
    for (var m : mounts.entrySet()) {
      if (value.equals(m.getKey()) || value.startsWith(m.getKey() + "/")) {
        return m.getValue() + value.substring(m.getKey().length());
      }
    }
    return value;
  }

  /** What the container wrote to its termination message file, up to 4096 bytes, if anything. */
  static java.util.Optional<String> terminationMessage(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return bytes.length == 0 ? java.util.Optional.empty() : java.util.Optional.of(
          new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * The termination message of a failed container with {@code FallbackToLogsOnError}: the last
   * 80 lines of its log, at most 2048 bytes, as the kubelet takes them.
   */
  static String logTail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
      byte[] bytes = tail.getBytes(StandardCharsets.UTF_8);
      return bytes.length <= 2048 ? tail
          : new String(bytes, bytes.length - 2048, 2048, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
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

  /** Stops the loop and SIGKILLs every trainer still running. */
  @Override
  public void close() {
    loop.shutdownNow();
    runs.values().forEach(r -> r.process().destroyForcibly());
  }
}
