package dev.finetune.operator.sim;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod's trainer container as a local child JVM ({@code java -cp <trainer runtime class path>
 * dev.finetune.trainer.cli.Main <container args>}), with what a node would provide mapped onto a
 * per-pod folder: ConfigMap and Secret volumes are materialised there, emptyDirs are folders, and
 * container paths under a mount are rewritten into them. Env comes from the container's
 * {@code env} (values, fieldRefs {@code metadata.namespace}/{@code metadata.name}, secretKeyRef,
 * configMapKeyRef) and {@code envFrom} (Secrets, ConfigMaps), read from the API server. The
 * termination message file is {@code termination-log} in the folder. The metrics port becomes a
 * free loopback port. DJL's native-library cache is shared, as if baked into the image.
 *
 * <p>Anything of the pod it cannot honour (another volume type, a second container, a missing
 * key) is a {@link Refused} with the reason, never ignored.
 */
public final class TrainerContainer {
  private TrainerContainer() {
  }

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
  public static Started start(KubernetesClient client, String ns, String podName, PodSpec podSpec,
      Path dir, List<String> wrapper, Map<String, String> extraEnv) throws IOException {
    String classpath = System.getProperty("finetune.trainer.classpath");
    if (classpath == null) {
      throw new IllegalStateException("system property finetune.trainer.classpath is not set"
          + " (run through Maven: mvn -B -o -pl operator -am verify)");
    }
    if (podSpec.getContainers().size() != 1 || !podSpec.getInitContainers().isEmpty()) {
      throw new Refused("runs pods with exactly one container and no init containers");
    }
    Container c = podSpec.getContainers().get(0);
    Files.createDirectories(dir);
    Map<String, Path> mounts = new LinkedHashMap<>();
    // the kubelet mounts an empty file at terminationMessagePath
    String terminationPath = c.getTerminationMessagePath() != null
        ? c.getTerminationMessagePath() : "/dev/termination-log";
    mounts.put(terminationPath, Files.createFile(dir.resolve("termination-log")));
    for (VolumeMount m : c.getVolumeMounts()) {
      Volume v = podSpec.getVolumes().stream().filter(x -> x.getName().equals(m.getName()))
          .findFirst().orElseThrow(() -> new Refused("volumeMount " + m.getName()
              + " names no volume"));
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
    Map<String, String> env = new HashMap<>();
    for (EnvFromSource from : c.getEnvFrom()) {
      if (from.getSecretRef() != null) {
        env.putAll(secret(client, ns, from.getSecretRef().getName()));
      } else if (from.getConfigMapRef() != null) {
        env.putAll(configMap(client, ns, from.getConfigMapRef().getName()));
      }
    }
    for (EnvVar e : c.getEnv()) {
      env.put(e.getName(), e.getValueFrom() == null ? rewrite(e.getValue() == null ? ""
          : e.getValue(), mounts) : valueFrom(client, ns, podName, e));
    }
    env.put("DJL_CACHE_DIR", System.getProperty("finetune.djl.cache",
        System.getProperty("user.home") + "/.djl.ai"));
    env.putAll(extraEnv);

    List<String> cmd = new ArrayList<>(wrapper);
    cmd.addAll(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-XX:CompressedClassSpaceSize=128m", "-XX:ReservedCodeCacheSize=64m",
        "-Dai.djl.offline=true", "-cp", classpath, "dev.finetune.trainer.cli.Main"));
    cmd.addAll(args);
    Files.writeString(dir.resolve("command.txt"), String.join(" ", cmd) + "\n");
    Path work = mounts.getOrDefault("/work", dir);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
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
      files = configMap(client, ns, v.getConfigMap().getName());
    } else if (v.getSecret() != null) {
      files = secret(client, ns, v.getSecret().getSecretName());
    } else {
      throw new Refused("volume " + v.getName() + ": only configMap, secret and emptyDir"
          + " volumes are supported");
    }
    for (var e : files.entrySet()) {
      Files.writeString(target.resolve(e.getKey()), e.getValue());
    }
    return target;
  }

  private static String valueFrom(KubernetesClient client, String ns, String podName, EnvVar e) {
    var from = e.getValueFrom();
    if (from.getFieldRef() != null) {
      return switch (from.getFieldRef().getFieldPath()) {
        case "metadata.namespace" -> ns;
        case "metadata.name" -> podName;
        default -> throw new Refused("env " + e.getName() + ": fieldRef "
            + from.getFieldRef().getFieldPath() + " is not supported");
      };
    } else if (from.getSecretKeyRef() != null) {
      return key(secret(client, ns, from.getSecretKeyRef().getName()),
          from.getSecretKeyRef().getKey(), e.getName());
    } else if (from.getConfigMapKeyRef() != null) {
      return key(configMap(client, ns, from.getConfigMapKeyRef().getName()),
          from.getConfigMapKeyRef().getKey(), e.getName());
    }
    throw new Refused("env " + e.getName() + ": this valueFrom is not supported");
  }

  private static String key(Map<String, String> data, String key, String env) {
    String v = data.get(key);
    if (v == null) {
      throw new Refused("env " + env + ": key " + key + " not found");
    }
    return v;
  }

  private static Map<String, String> secret(KubernetesClient client, String ns, String name) {
    Secret s = client.secrets().inNamespace(ns).withName(name).get();
    if (s == null) {
      throw new Refused("secret \"" + name + "\" not found");
    }
    Map<String, String> out = new HashMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, v) ->
          out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      out.putAll(s.getStringData());
    }
    return out;
  }

  private static Map<String, String> configMap(KubernetesClient client, String ns, String name) {
    ConfigMap cm = client.configMaps().inNamespace(ns).withName(name).get();
    if (cm == null) {
      throw new Refused("configmap \"" + name + "\" not found");
    }
    return cm.getData() == null ? Map.of() : cm.getData();
  }

  /**
   * The container's termination message as a kubelet reports it with
   * {@code FallbackToLogsOnError}: what it wrote to its termination message file, else, when it
   * failed, its log's tail.
   */
  public static String message(Path terminationLog, Path log, int exitCode) {
    return terminationMessage(terminationLog).orElse(exitCode == 0 ? null : logTail(log));
  }

  /** What the container wrote to its termination message file, up to 4096 bytes, if anything. */
  private static java.util.Optional<String> terminationMessage(Path file) {
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
  private static String logTail(Path file) {
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

  private static String rewrite(String value, Map<String, Path> mounts) {
    for (var m : mounts.entrySet()) {
      if (value.equals(m.getKey()) || value.startsWith(m.getKey() + "/")) {
        return m.getValue() + value.substring(m.getKey().length());
      }
    }
    return value;
  }
}
