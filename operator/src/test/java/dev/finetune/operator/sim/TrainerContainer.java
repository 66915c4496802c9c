package dev.finetune.operator.sim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod's trainer container as a local child JVM ({@code java -cp <trainer runtime class path>
 * dev.finetune.trainer.cli.Main <container args>}), with what a node would provide mapped onto a
 * per-pod folder: ConfigMap and Secret volumes are materialised there, emptyDirs are folders, and
 * container paths under a mount are rewritten into them. Env comes from the container's {@code env}
 * (values, fieldRefs {@code metadata.namespace}/{@code metadata.name}, secretKeyRef,
 * configMapKeyRef) and {@code envFrom} (Secrets, ConfigMaps), read from the API server. The
 * termination message file is {@code termination-log} in the folder. The metrics port becomes a
 * free loopback port. DJL's native-library cache is shared, as if baked into the image.
 *
 * <p>Anything of the pod it cannot honour (another volume type, a second container, a missing key)
 * is a {@link Refused} with the reason, never ignored.
 */
public final class TrainerContainer {
  private TrainerContainer() {}

  /** What the pod asks for that cannot be run here; the pod fails with this reason. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  /** A started container: its process, metrics port and folder. */
  public record Started(Process process, int metricsPort, Path dir) {
    public Path terminationLog() {
      return dir.resolve("termination-log");
    }

    public Path stderr() {
      return dir.resolve("trainer.err");
    }
  }

  /**
   * Starts the pod's only container. {@code wrapper} goes before {@code java} (e.g. prlimit);
   * {@code extraEnv} is added to the container's env.
   */
  public static Started start(
      KubernetesClient client,
      String ns,
      String podName,
      PodSpec podSpec,
      Path dir,
      List<String> wrapper,
      Map<String, String> extraEnv)
      throws IOException {
    String classpath = System.getProperty("finetune.trainer.classpath");
    if (classpath == null) {
      throw new IllegalStateException(
          "system property finetune.trainer.classpath is not set"
              + " (run through Maven: mvn -B -o -pl operator -am verify)");
    }
    if (podSpec.getContainers().size() != 1 || !podSpec.getInitContainers().isEmpty()) {
      throw new Refused("runs pods with exactly one container and no init containers");
    }
    Container c = podSpec.getContainers().get(0);
    Files.createDirectories(dir);
    Map<String, Path> mounts = new LinkedHashMap<>();
    // the kubelet mounts an empty file at terminationMessagePath
    String terminationPath =
        c.getTerminationMessagePath() != null
            ? c.getTerminationMessagePath()
            : "/dev/termination-log";
    mounts.put(terminationPath, Files.createFile(dir.resolve("termination-log")));
    for (VolumeMount m : c.getVolumeMounts()) {
      Volume v =
          podSpec.getVolumes().stream()
              .filter(x -> x.getName().equals(m.getName()))
              .findFirst()
              .orElseThrow(() -> new Refused("volumeMount " + m.getName() + " names no volume"));
      mounts.put(m.getMountPath(), volume(client, ns, v, dir.resolve("volumes/" + v.getName())));
    }
    int port = SimulatedKubelet.freePort();
    List<String> args = new ArrayList<>();
    List<String> given = c.getArgs();
    for (int i = 0; i < given.size(); i++) {
      String a = given.get(i);
      if (i > 0 && given.get(i - 1).equals("--metrics-port")) {
        a = String.valueOf(port);
      }
      args.add(rewrite(a, mounts));
    }
    Map<String, String> env =
        PodSources.env(client, ns, podName, c, value -> rewrite(value, mounts));
    env.put(
        "DJL_CACHE_DIR",
        System.getProperty("finetune.djl.cache", System.getProperty("user.home") + "/.djl.ai"));
    env.putAll(extraEnv);

    List<String> cmd = new ArrayList<>(wrapper);
    cmd.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g",
            "-XX:CompressedClassSpaceSize=128m",
            "-XX:ReservedCodeCacheSize=64m",
            "-Dai.djl.offline=true",
            "-cp",
            classpath,
            "dev.finetune.trainer.cli.Main"));
    cmd.addAll(args);
    Files.writeString(dir.resolve("command.txt"), String.join(" ", cmd) + "\n");
    Path work = mounts.getOrDefault("/work", dir);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(work.toFile())
            .redirectOutput(dir.resolve("trainer.log").toFile())
            .redirectError(dir.resolve("trainer.err").toFile());
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().putAll(env);
    return new Started(pb.start(), port, dir);
  }

  private static Path volume(KubernetesClient client, String ns, Volume v, Path target)
      throws IOException {
    Files.createDirectories(target);
    Map<String, String> files;
    if (v.getEmptyDir() != null) {
      return target;
    } else if (v.getConfigMap() != null) {
      files = PodSources.configMap(client, ns, v.getConfigMap().getName());
    } else if (v.getSecret() != null) {
      files = PodSources.secret(client, ns, v.getSecret().getSecretName());
    } else {
      throw new Refused(
          "volume "
              + v.getName()
              + ": only configMap, secret and emptyDir"
              + " volumes are supported");
    }
    for (var e : files.entrySet()) {
      Files.writeString(target.resolve(e.getKey()), e.getValue());
    }
    return target;
  }

  /**
   * The container's termination message as a kubelet reports it with {@code FallbackToLogsOnError}:
   * what it wrote to its termination message file, else, when it failed, its log's tail.
   */
  public static String message(Path terminationLog, Path log, int exitCode) {
    return terminationMessage(terminationLog).orElse(exitCode == 0 ? null : logTail(log));
  }

  /** What the container wrote to its termination message file, up to 4096 bytes, if anything. */
  private static java.util.Optional<String> terminationMessage(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return bytes.length == 0
          ? java.util.Optional.empty()
          : java.util.Optional.of(
              new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * The termination message of a failed container with {@code FallbackToLogsOnError}: the last 80
   * lines of its log, at most 2048 bytes, as the kubelet takes them.
   */
  private static String logTail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
      byte[] bytes = tail.getBytes(StandardCharsets.UTF_8);
      return bytes.length <= 2048
          ? tail
          : new String(bytes, bytes.length - 2048, 2048, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  private static String rewrite(String value, Map<String, Path> mounts) {
    for (var m : mounts.entrySet()) {
      if (value.equals(m.getKey()) || value.startsWith(m.getKey() + "/")) {
        return m.getValue() + value.substring(m.getKey().length());
      }
    }
    return value;
  }
}
