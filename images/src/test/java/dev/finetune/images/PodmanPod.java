package dev.finetune.images;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One trainer pod of a Job, run by podman the way a kubelet runs it: the pod template's image,
 * args, env (values, the namespace field ref, the Secret by envFrom), user and group, read-only
 * root, dropped capabilities, no privilege escalation, CPU and memory limits; the spec ConfigMap as
 * read-only files at its mount path; each emptyDir a fresh host folder (what a kubelet gives an
 * emptyDir), or tmpfs for medium Memory; the network {@link Podman#NETWORK} only. A new PodmanPod
 * is a new pod: new volumes, nothing kept from an earlier attempt.
 */
final class PodmanPod implements AutoCloseable {
  private final String name;
  private final Path dir;
  private final long graceSeconds;

  private PodmanPod(String name, Path dir, long graceSeconds) {
    this.name = name;
    this.dir = dir;
    this.graceSeconds = graceSeconds;
  }

  /**
   * Starts the pod of {@code job} in {@code dir} (volumes live there).
   *
   * @param configMaps data of each ConfigMap the pod mounts, by ConfigMap name
   * @param secrets data of each Secret the container reads by envFrom, by Secret name
   */
  static PodmanPod start(
      Job job,
      Map<String, Map<String, String>> configMaps,
      Map<String, Map<String, String>> secrets,
      Path dir) {
    return start(
        job.getMetadata().getName(),
        job.getMetadata().getNamespace(),
        job.getSpec().getTemplate().getSpec(),
        configMaps,
        secrets,
        Map.of(),
        dir);
  }

  /** Starts a pod of this spec; {@code extraEnv} is added to its container's env. */
  static PodmanPod start(
      String podName,
      String namespace,
      PodSpec pod,
      Map<String, Map<String, String>> configMaps,
      Map<String, Map<String, String>> secrets,
      Map<String, String> extraEnv,
      Path dir) {
    Container c = pod.getContainers().get(0);
    String name = podName + "-" + Long.toHexString(System.nanoTime());
    List<String> args = new ArrayList<>(List.of("run", "--detach", "--name", name));
    args.addAll(Podman.networkArgs());
    args.addAll(SecurityArgs.of(pod.getSecurityContext(), c.getSecurityContext(), c.getImage()));
    try {
      Files.createDirectories(dir);
      for (VolumeMount m : c.getVolumeMounts()) {
        Volume v =
            pod.getVolumes().stream()
                .filter(x -> x.getName().equals(m.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + m.getName()));
        args.addAll(mount(v, m, configMaps, dir));
      }
      // The kubelet bind-mounts a writable file at terminationMessagePath for every container.
      Path termination = dir.resolve("termination-log");
      Files.deleteIfExists(termination);
      Files.createFile(termination);
      termination.toFile().setWritable(true, false);
      String path =
          c.getTerminationMessagePath() == null
              ? "/dev/termination-log"
              : c.getTerminationMessagePath();
      args.addAll(List.of("--volume", termination + ":" + path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (EnvVar e : c.getEnv()) {
      String field =
          e.getValueFrom() == null || e.getValueFrom().getFieldRef() == null
              ? null
              : e.getValueFrom().getFieldRef().getFieldPath();
      if (e.getValue() != null) {
        args.addAll(List.of("--env", e.getName() + "=" + e.getValue()));
      } else if ("metadata.namespace".equals(field)) {
        args.addAll(List.of("--env", e.getName() + "=" + namespace));
      } else if ("metadata.name".equals(field)) {
        args.addAll(List.of("--env", e.getName() + "=" + name));
      } else {
        throw new AssertionError(
            "env " + e.getName() + ": only values, metadata.namespace and" + " metadata.name");
      }
    }
    extraEnv.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
    c.getEnvFrom()
        .forEach(
            from ->
                secrets
                    .get(from.getSecretRef().getName())
                    .forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v))));
    var limits =
        c.getResources() == null
            ? Map.<String, io.fabric8.kubernetes.api.model.Quantity>of()
            : c.getResources().getLimits();
    if (limits.containsKey("cpu")) {
      args.add("--cpus=" + limits.get("cpu").getNumericalAmount().toPlainString());
    }
    if (limits.containsKey("memory")) {
      args.add("--memory=" + limits.get("memory").getNumericalAmount().toBigInteger());
    }
    args.add(c.getImage());
    args.addAll(c.getArgs());
    Podman.run(Duration.ofMinutes(2), args).check("podman run " + name);
    long grace =
        pod.getTerminationGracePeriodSeconds() == null
            ? 30
            : pod.getTerminationGracePeriodSeconds();
    return new PodmanPod(name, dir, grace);
  }

  private static List<String> mount(
      Volume v, VolumeMount m, Map<String, Map<String, String>> configMaps, Path dir)
      throws IOException {
    if (v.getConfigMap() != null) {
      Path folder = Files.createDirectories(dir.resolve(v.getName()));
      Map<String, String> data = configMaps.get(v.getConfigMap().getName());
      if (data == null) {
        throw new AssertionError("ConfigMap " + v.getConfigMap().getName() + " does not exist");
      }
      for (var e : data.entrySet()) {
        Files.writeString(folder.resolve(e.getKey()), e.getValue());
      }
      // A kubelet mounts ConfigMaps read-only whatever the mount says.
      return List.of("--volume", folder + ":" + m.getMountPath() + ":ro");
    }
    if (v.getEmptyDir() != null) {
      if ("Memory".equals(v.getEmptyDir().getMedium())) {
        return List.of(
            "--mount", "type=tmpfs,destination=" + m.getMountPath() + ",tmpfs-mode=1777");
      }
      Path folder = Files.createDirectories(dir.resolve(v.getName()));
      // An emptyDir is a world-writable folder on the node.
      Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
      return List.of(
          "--volume",
          folder + ":" + m.getMountPath() + (Boolean.TRUE.equals(m.getReadOnly()) ? ":ro" : ""));
    }
    throw new AssertionError("volume " + v.getName() + ": only configMap and emptyDir");
  }

  /** The host folder of an emptyDir volume. */
  Path volume(String volumeName) {
    return dir.resolve(volumeName);
  }

  /** Waits for the container to end and returns its exit code. */
  int awaitExit(Duration timeout) {
    String out =
        Podman.run(timeout.plusSeconds(10), "wait", name).check("podman wait").output().strip();
    return Integer.parseInt(out.lines().reduce((a, b) -> b).orElseThrow());
  }

  /**
   * What a kubelet does when the pod is deleted: SIGTERM, then SIGKILL after the pod's
   * terminationGracePeriodSeconds. Returns the exit code.
   */
  int stop() {
    Podman.run(
            Duration.ofSeconds(graceSeconds + 30),
            Podman.withNetworkConfig("stop", "-t", String.valueOf(graceSeconds), name))
        .check("podman stop");
    return awaitExit(Duration.ofSeconds(30));
  }

  /** The pod IP: its address on {@link Podman#NETWORK}, as probes and scrapers reach it. */
  String ip() {
    return Podman.run(
            Duration.ofSeconds(30),
            "inspect",
            "--format",
            "{{(index .NetworkSettings.Networks \"" + Podman.NETWORK + "\").IPAddress}}",
            name)
        .check("podman inspect")
        .output()
        .strip();
  }

  /** Runs a command inside the container ({@code podman exec}). */
  Podman.Result exec(String... command) {
    List<String> args = new ArrayList<>(List.of("exec", name));
    args.addAll(List.of(command));
    return Podman.run(Duration.ofSeconds(60), args);
  }

  boolean running() {
    return Podman.run(Duration.ofSeconds(30), "inspect", "--format", "{{.State.Running}}", name)
        .output()
        .strip()
        .equals("true");
  }

  String logs() {
    return Podman.run(Duration.ofSeconds(60), "logs", name).output();
  }

  @Override
  public void close() {
    Podman.run(
        Duration.ofSeconds(60), Podman.withNetworkConfig("rm", "--force", "--time", "0", name));
  }
}
