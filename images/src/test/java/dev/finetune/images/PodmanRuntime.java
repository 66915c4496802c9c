package dev.finetune.images;

import dev.finetune.operator.cluster.PodRuntime;
import dev.finetune.operator.sim.PodSources;
import dev.finetune.operator.sim.TrainerContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a pod's container from the project's images with podman, as a kubelet with a container
 * runtime would, for the {@link dev.finetune.operator.cluster.NodeAgent}:
 *
 * <ul>
 *   <li>the image must be in podman's local store ({@code bin/images}; there is no registry):
 *       otherwise the pod waits with {@code ErrImageNeverPull} ({@code imagePullPolicy: Never}) or
 *       {@code ErrImagePull} (the others), and an Event says which image;
 *   <li>{@code command}, {@code args}, {@code workingDir}; {@code env} and {@code envFrom} ({@link
 *       PodSources}), plus {@code KUBERNETES_SERVICE_HOST}/{@code _PORT}: the name {@code
 *       kubernetes.default.svc}, which resolves to the {@link ApiForwarder};
 *   <li>volumes ({@link PodVolumes}), the termination message file, securityContext ({@link
 *       SecurityArgs});
 *   <li>{@code resources.limits} cpu and memory as podman's {@code --cpus} and {@code --memory}
 *       (swap off), {@code requests.cpu} as {@code --cpu-shares}; a container over its memory limit
 *       is OOM-killed by the kernel (exit 137, reason OOMKilled);
 *   <li>startup, readiness and liveness probes ({@link Prober});
 *   <li>the pod network: each pod its own address on {@link Podman#NETWORK}, reaching the host (API
 *       server, S3) and other pods, nothing else.
 * </ul>
 *
 * What it cannot honour (host namespaces, a second container, init containers, lifecycle hooks,
 * host ports, other volume types, extended resources such as GPUs) is refused: the pod fails with
 * the reason.
 */
final class PodmanRuntime implements PodRuntime {
  static final String API_NAME = "kubernetes.default.svc";
  private final KubernetesClient client;
  private final String apiHost;
  private final int apiPort;

  /**
   * @param apiHost the host's address on the pod network, where {@code apiPort} forwards to the API
   *     server
   */
  PodmanRuntime(KubernetesClient client, String apiHost, int apiPort) {
    this.client = client;
    this.apiHost = apiHost;
    this.apiPort = apiPort;
  }

  @Override
  public PodRuntime.Container start(Pod pod, Path dir) throws IOException {
    PodSpec spec = pod.getSpec();
    refuseUnsupported(spec);
    io.fabric8.kubernetes.api.model.Container c = spec.getContainers().get(0);
    String image = c.getImage();
    if (Podman.run(Duration.ofSeconds(60), "image", "exists", image).exit() != 0) {
      boolean never = "Never".equals(c.getImagePullPolicy());
      throw new Waiting(
          never ? "ErrImageNeverPull" : "ErrImagePull",
          never
              ? "Container image \"" + image + "\" is not present with pull policy of Never"
              : "Failed to pull image \""
                  + image
                  + "\": this node has no registry; build it with"
                  + " bin/images");
    }
    Files.createDirectories(dir);
    String name =
        pod.getMetadata().getName()
            + "-"
            + pod.getMetadata().getUid().substring(0, 8)
            + "-"
            + Long.toHexString(System.nanoTime());
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--detach",
                "--name",
                name,
                "--hostname",
                // as a kubelet: spec.hostname (an indexed Job's pod has one), else the pod's name
                spec.getHostname() != null ? spec.getHostname() : pod.getMetadata().getName(),
                "--add-host",
                API_NAME + ":" + apiHost,
                "--add-host",
                API_NAME + ".cluster.local:" + apiHost));
    args.addAll(Podman.networkArgs());
    args.addAll(SecurityArgs.of(spec.getSecurityContext(), c.getSecurityContext(), image));
    PodVolumes volumes = PodVolumes.mount(client, pod, c, dir);
    args.addAll(volumes.args());
    Path termination = dir.resolve("termination-log");
    Files.deleteIfExists(termination);
    Files.createFile(termination);
    termination.toFile().setWritable(true, false);
    args.addAll(
        List.of(
            "--volume",
            termination
                + ":"
                + Optional.ofNullable(c.getTerminationMessagePath())
                    .orElse("/dev/termination-log")));
    Map<String, String> env;
    try {
      env =
          PodSources.env(
              client, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), c, v -> v);
    } catch (TrainerContainer.Refused e) {
      throw new Refused(e.getMessage());
    }
    env.putIfAbsent("KUBERNETES_SERVICE_HOST", API_NAME);
    env.putIfAbsent("KUBERNETES_SERVICE_PORT", String.valueOf(apiPort));
    env.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
    args.addAll(resources(c));
    if (c.getWorkingDir() != null) {
      args.addAll(List.of("--workdir", c.getWorkingDir()));
    }
    if (!c.getCommand().isEmpty()) {
      args.add("--entrypoint=" + json(c.getCommand()));
    }
    args.add(image);
    args.addAll(c.getArgs());
    List<Prober> probes = new ArrayList<>();
    Prober startup =
        c.getStartupProbe() == null
            ? null
            : new Prober(c.getStartupProbe(), c, cmd -> exec(name, cmd));
    Prober readiness =
        c.getReadinessProbe() == null
            ? null
            : new Prober(c.getReadinessProbe(), c, cmd -> exec(name, cmd));
    Prober liveness =
        c.getLivenessProbe() == null
            ? null
            : new Prober(c.getLivenessProbe(), c, cmd -> exec(name, cmd));
    String id =
        Podman.run(Duration.ofMinutes(2), args)
            .check("podman run " + name)
            .output()
            .strip()
            .lines()
            .reduce((a, b) -> b)
            .orElseThrow();
    return PodmanContainer.started(name, id, dir, c, volumes, startup, readiness, liveness);
  }

  private static int exec(String name, List<String> command) {
    List<String> args = new ArrayList<>(List.of("exec", name));
    args.addAll(command);
    return Podman.run(Duration.ofSeconds(30), args).exit();
  }

  private static void refuseUnsupported(PodSpec spec) {
    List<String> no = new ArrayList<>();
    if (spec.getContainers().size() != 1) {
      no.add("more than one container");
    }
    if (!spec.getInitContainers().isEmpty()) {
      no.add("initContainers");
    }
    if (Boolean.TRUE.equals(spec.getHostNetwork())
        || Boolean.TRUE.equals(spec.getHostPID())
        || Boolean.TRUE.equals(spec.getHostIPC())) {
      no.add("host namespaces (hostNetwork, hostPID, hostIPC)");
    }
    io.fabric8.kubernetes.api.model.Container c = spec.getContainers().get(0);
    if (c.getLifecycle() != null) {
      no.add("lifecycle hooks");
    }
    if (c.getPorts().stream().anyMatch(p -> p.getHostPort() != null)) {
      no.add("hostPort");
    }
    if (c.getResources() != null) {
      for (var q : List.of(c.getResources().getLimits(), c.getResources().getRequests())) {
        q.keySet().stream()
            .filter(k -> !k.equals("cpu") && !k.equals("memory") && !k.equals("ephemeral-storage"))
            .findFirst()
            .ifPresent(k -> no.add("resource " + k + " (this node has CPUs only)"));
      }
    }
    if (!no.isEmpty()) {
      throw new Refused("not supported: " + String.join(", ", no));
    }
  }

  /** Limits as cgroup limits; a CPU request as a relative weight, as a kubelet sets shares. */
  private static List<String> resources(io.fabric8.kubernetes.api.model.Container c) {
    List<String> args = new ArrayList<>();
    if (c.getResources() == null) {
      return args;
    }
    Map<String, Quantity> limits = c.getResources().getLimits();
    Map<String, Quantity> requests = c.getResources().getRequests();
    if (limits.containsKey("cpu")) {
      args.add("--cpus=" + limits.get("cpu").getNumericalAmount().toPlainString());
    }
    if (limits.containsKey("memory")) {
      String bytes = PodVolumes.bytes(limits.get("memory")).toString();
      args.add("--memory=" + bytes);
      args.add("--memory-swap=" + bytes); // no swap, as a kubelet by default
    }
    Quantity cpu = requests.containsKey("cpu") ? requests.get("cpu") : limits.get("cpu");
    if (cpu != null) {
      long shares =
          Math.max(
              2, cpu.getNumericalAmount().multiply(java.math.BigDecimal.valueOf(1024)).longValue());
      args.add("--cpu-shares=" + shares);
    }
    return args;
  }

  private static String json(List<String> items) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(items);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
