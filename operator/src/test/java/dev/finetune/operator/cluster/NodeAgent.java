package dev.finetune.operator.cluster;

import dev.finetune.operator.sim.LoopFailures;
import dev.finetune.operator.sim.TrainerContainer;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node agent: what a kubelet does for this project's pods, against a real API server.
 *
 * <ul>
 *   <li>Registers two Nodes: {@code cpu-0}, and {@code gpu-0} advertising {@code nvidia.com/gpu: 1}
 *       with the taint GPU node pools carry ({@code nvidia.com/gpu=present:NoSchedule}). Both
 *       report Ready; the real scheduler places pods on them.
 *   <li>Runs only pods bound to its nodes ({@code spec.nodeName}), each as a local process ({@link
 *       TrainerContainer}: the trainer CLI in a child JVM). Pods it cannot run fail with the
 *       reason, never in silence.
 *   <li>Patches {@code pods/status}: phase, the Ready and ContainersReady conditions, pod IP
 *       127.0.0.1, container states with exit codes, and the termination message read from the file
 *       that {@code terminationMessagePath} names (else, with {@code FallbackToLogsOnError}, the
 *       log's tail).
 *   <li>Honours graceful deletion: SIGTERM, up to the deletion's grace period, then SIGKILL; then
 *       deletes the pod with grace period 0, as a kubelet does.
 *   <li>{@link #evict} sets the {@code DisruptionTarget} condition before it stops the pod, as a
 *       kubelet's node-pressure eviction does, so a Job's {@code podFailurePolicy} sees it.
 * </ul>
 *
 * <p>It acts with the cluster-admin client the test hands it. A failure of its own (not of a pod)
 * is kept and thrown by {@link #check()} and {@link #close()}, so a broken test ends with the real
 * error instead of a timeout.
 */
public final class NodeAgent implements AutoCloseable {
  public static final String CPU_NODE = "cpu-0";
  public static final String GPU_NODE = "gpu-0";
  public static final String GPU = "nvidia.com/gpu";

  private final KubernetesClient client;
  private final Path root;
  private final PodRuntime runtime;
  private final Map<String, Running> running = new ConcurrentHashMap<>();

  /** Pods deleted from the API server, kept so tests can still read their folders. */
  private final Map<String, Running> gone = new ConcurrentHashMap<>();

  private final java.util.Set<String> done = ConcurrentHashMap.newKeySet();
  private final java.util.Set<String> evicting = ConcurrentHashMap.newKeySet();
  private final Map<String, String> evictions = new ConcurrentHashMap<>();

  /** When a deleted pod, already reported terminal, is removed from the API server (nanoTime). */
  private final Map<String, Long> removeAt = new ConcurrentHashMap<>();

  private volatile java.time.Duration removalDelay = java.time.Duration.ZERO;
  private final LoopFailures failures = new LoopFailures("node-agent");
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "node-agent");
            t.setDaemon(true);
            return t;
          });

  /** A pod's container on this node; {@code restarts} counts restarts in place. */
  public static final class Running {
    private final String namespace;
    private final String pod;
    private final String uid;
    private final String containerName;
    private final Path dir;
    private volatile PodRuntime.Container container;
    private int restarts;
    private Boolean ready;

    Running(
        String namespace,
        String pod,
        String uid,
        String containerName,
        Path dir,
        PodRuntime.Container container) {
      this.namespace = namespace;
      this.pod = pod;
      this.uid = uid;
      this.containerName = containerName;
      this.dir = dir;
      this.container = container;
    }

    /** The pod's folder: volumes, logs, the termination message file. */
    public Path dir() {
      return dir;
    }

    public PodRuntime.Container container() {
      return container;
    }

    public int restarts() {
      return restarts;
    }
  }

  /** An agent whose pods run as local child JVMs ({@link ProcessRuntime}). */
  public NodeAgent(KubernetesClient client, Path root) {
    this(client, root, new ProcessRuntime(client));
  }

  /** An agent whose pods run on {@code runtime}. */
  public NodeAgent(KubernetesClient client, Path root, PodRuntime runtime) {
    this.client = client;
    this.root = root;
    this.runtime = runtime;
    register(CPU_NODE, Map.of("cpu", "8", "memory", "32Gi", "pods", "110"), false);
    register(GPU_NODE, Map.of("cpu", "8", "memory", "32Gi", "pods", "110", GPU, "1"), true);
    loop.scheduleWithFixedDelay(this::tick, 0, 200, TimeUnit.MILLISECONDS);
  }

  private void register(String name, Map<String, String> capacity, boolean gpu) {
    Map<String, Quantity> q = new LinkedHashMap<>();
    capacity.forEach((k, v) -> q.put(k, new Quantity(v)));
    NodeBuilder b =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels("kubernetes.io/hostname", name)
            .addToLabels("kubernetes.io/os", "linux")
            .endMetadata()
            .withNewSpec()
            .endSpec();
    if (gpu) {
      b.editMetadata()
          .addToLabels("nvidia.com/gpu.present", "true")
          .endMetadata()
          .editSpec()
          .addNewTaint()
          .withKey(GPU)
          .withValue("present")
          .withEffect("NoSchedule")
          .endTaint()
          .endSpec();
    }
    Node node = client.nodes().resource(b.build()).serverSideApply();
    node.setStatus(
        new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
            .withCapacity(q)
            .withAllocatable(q)
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .withReason("NodeAgentReady")
            .withMessage("finetune node agent")
            .withLastHeartbeatTime(now())
            .withLastTransitionTime(now())
            .endCondition()
            .addNewAddress()
            .withType("InternalIP")
            .withAddress("127.0.0.1")
            .endAddress()
            .withNewNodeInfo()
            .withArchitecture("amd64")
            .withOperatingSystem("linux")
            .withKubeletVersion("v1.37.2")
            .withContainerRuntimeVersion("finetune-node-agent://1")
            .withKernelVersion("")
            .withOsImage("")
            .withKubeProxyVersion("")
            .withMachineID("")
            .withSystemUUID("")
            .withBootID("")
            .endNodeInfo()
            .build());
    client.nodes().resource(node).updateStatus();
  }

  /** The process of a pod, once started. */
  public Optional<Running> running(String namespace, String pod) {
    String key = namespace + "/" + pod;
    return Optional.ofNullable(running.get(key)).or(() -> Optional.ofNullable(gone.get(key)));
  }

  /** SIGKILL to a pod's container (exit 137), as when a container is OOM-killed. */
  public void kill(String namespace, String pod) {
    running.get(namespace + "/" + pod).container().kill();
  }

  /**
   * Evicts a pod as a kubelet under node pressure does: the {@code DisruptionTarget} condition
   * first, then SIGTERM and the grace period; the pod ends Failed and stays.
   */
  public void evict(String namespace, String pod) {
    evict(namespace, pod, "evicted by the finetune node agent");
  }

  private void evict(String namespace, String pod, String message) {
    patchStatus(
        namespace,
        pod,
        Map.of(
            "conditions",
            List.of(
                new PodConditionBuilder()
                    .withType("DisruptionTarget")
                    .withStatus("True")
                    .withReason("TerminationByKubelet")
                    .withMessage(message)
                    .withLastTransitionTime(now())
                    .build())));
    evictions.put(namespace + "/" + pod, message);
    evicting.add(namespace + "/" + pod);
    running.get(namespace + "/" + pod).container().terminate();
  }

  /**
   * Leaves a deleted pod in the API server this long after reporting its terminal phase, as a busy
   * kubelet does between its status update and its final delete: controllers then see the pod
   * {@code Failed} with its exit code, a window that is a few milliseconds by default and that a
   * test can make wide enough to be certain to be seen (the Job controller batches pod events for a
   * second).
   */
  public void lingerAfterTermination(java.time.Duration delay) {
    removalDelay = delay;
  }

  /** Throws what went wrong in the agent itself, if anything did. */
  public void check() {
    failures.check();
  }

  private void tick() {
    try {
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
        String node = pod.getSpec().getNodeName();
        if (!CPU_NODE.equals(node) && !GPU_NODE.equals(node)) {
          continue;
        }
        String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        seen.add(key);
        Running r = running.get(key);
        if (r != null && !r.uid.equals(pod.getMetadata().getUid())) {
          if (!done.contains(key)) {
            continue; // the old pod of this name still ends; the new one starts after
          }
          running.remove(key);
          done.remove(key);
          evicting.remove(key);
          evictions.remove(key);
          removeAt.remove(key);
          r = null;
        }
        if (r == null
            && !done.contains(key)
            && pod.getMetadata().getDeletionTimestamp() == null
            && "Pending".equals(phase(pod))) {
          Long retry = waitingRetry.get(pod.getMetadata().getUid());
          if (retry == null || System.nanoTime() >= retry) {
            start(key, pod);
          }
        } else if (r == null
            && pod.getMetadata().getDeletionTimestamp() != null
            && waitingRetry.remove(pod.getMetadata().getUid()) != null) {
          // a pod that never started: nothing to stop
          client
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName())
              .withGracePeriod(0)
              .delete();
        } else if (r != null && pod.getMetadata().getDeletionTimestamp() != null) {
          terminate(key, r, pod);
        } else if (r != null && !done.contains(key) && !r.container().alive()) {
          exited(key, r, pod);
        } else if (r != null && !done.contains(key)) {
          probe(r, pod);
        }
      }
      forgetDeleted(seen);
    } catch (RuntimeException e) {
      failures.record(e);
    } catch (java.io.IOException | InterruptedException e) {
      failures.record(new IllegalStateException(e));
    }
  }

  /**
   * Pods gone from the API server without a graceful deletion (a terminal pod is deleted at once):
   * their containers are removed, as a kubelet's pod cleanup does.
   */
  private void forgetDeleted(java.util.Set<String> seen) {
    for (String key : List.copyOf(running.keySet())) {
      if (!seen.contains(key)) {
        Running r = running.remove(key);
        gone.put(key, r);
        if (r.container().alive()) {
          r.container().kill();
        }
        r.container().remove();
        done.remove(key);
        evicting.remove(key);
        evictions.remove(key);
        removeAt.remove(key);
      }
    }
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null
        ? "Pending"
        : pod.getStatus().getPhase();
  }

  private Path podDir(Pod pod) {
    return root.resolve(pod.getMetadata().getNamespace())
        .resolve(pod.getMetadata().getName() + "-" + pod.getMetadata().getUid().substring(0, 8));
  }

  private void start(String key, Pod pod) throws java.io.IOException {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String container = pod.getSpec().getContainers().get(0).getName();
    Path dir = podDir(pod);
    PodRuntime.Container started;
    try {
      started = runtime.start(pod, dir);
    } catch (PodRuntime.Refused e) {
      done.add(key);
      Map<String, Object> status = new LinkedHashMap<>();
      status.put("phase", "Failed");
      status.put("reason", "NodeAgentRefused");
      status.put("message", "the finetune node agent cannot run this pod: " + e.getMessage());
      patchStatus(ns, name, status);
      event(pod, "Failed", e.getMessage());
      return;
    } catch (PodRuntime.Waiting e) {
      waiting(key, pod, container, e);
      return;
    }
    Running r = new Running(ns, name, pod.getMetadata().getUid(), container, dir, started);
    running.put(key, r);
    waitingRetry.remove(pod.getMetadata().getUid());
    String at = now();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Running");
    status.put("podIP", started.ip());
    status.put("podIPs", List.of(Map.of("ip", started.ip())));
    status.put("hostIP", "127.0.0.1");
    status.put("startTime", at);
    boolean ready = started.ready();
    r.ready = ready;
    String s = ready ? "True" : "False";
    status.put(
        "conditions",
        List.of(
            condition("PodScheduled", "True"),
            condition("Initialized", "True"),
            condition("ContainersReady", s),
            condition("Ready", s)));
    status.put("containerStatuses", List.of(runningStatus(pod, r, at, ready)));
    if (!started.annotations().isEmpty()) {
      client
          .pods()
          .inNamespace(ns)
          .withName(name)
          .patch(
              PatchContext.of(PatchType.STRATEGIC_MERGE),
              Serialization.asJson(
                  Map.of("metadata", Map.of("annotations", started.annotations()))));
    }
    patchStatus(ns, name, status);
    event(pod, "Started", "Started container " + container);
  }

  /** Pods waiting to start (an image not present): when to try again, by pod UID. */
  private final Map<String, Long> waitingRetry = new ConcurrentHashMap<>();

  /**
   * The pod stays Pending with the reason and a Warning Event, as a kubelet's image errors; the
   * start is tried again every 5 s (an image built meanwhile is used).
   */
  private void waiting(String key, Pod pod, String container, PodRuntime.Waiting e) {
    Long before =
        waitingRetry.put(
            pod.getMetadata().getUid(), System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    if (before != null) {
      return;
    }
    ContainerStatus cs =
        new ContainerStatusBuilder()
            .withName(container)
            .withImage(pod.getSpec().getContainers().get(0).getImage())
            .withImageID("")
            .withReady(false)
            .withStarted(false)
            .withRestartCount(0)
            .withNewState()
            .withNewWaiting()
            .withReason(e.reason())
            .withMessage(e.getMessage())
            .endWaiting()
            .endState()
            .build();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Pending");
    status.put(
        "conditions",
        List.of(
            condition("PodScheduled", "True"),
            condition("Initialized", "True"),
            condition("ContainersReady", "False"),
            condition("Ready", "False")));
    status.put("containerStatuses", List.of(cs));
    patchStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), status);
    event(pod, e.reason(), e.getMessage());
  }

  private ContainerStatus runningStatus(Pod pod, Running r, String startedAt, boolean ready) {
    ContainerStatusBuilder b =
        new ContainerStatusBuilder()
            .withName(r.containerName)
            .withImage(pod.getSpec().getContainers().get(0).getImage())
            .withImageID("")
            .withReady(ready)
            .withStarted(true)
            .withRestartCount(r.restarts)
            .withNewState()
            .withNewRunning()
            .withStartedAt(startedAt)
            .endRunning()
            .endState();
    return b.build();
  }

  /** Readiness and liveness, as a kubelet's prober: Ready follows the probe; liveness restarts. */
  private void probe(Running r, Pod pod) {
    PodRuntime.Container c = r.container();
    if (!evicting.contains(r.namespace + "/" + r.pod)) {
      java.util.Optional<String> evict = c.evictionReason();
      if (evict.isPresent()) {
        event(pod, "Evicted", evict.get());
        evict(r.namespace, r.pod, evict.get());
        return;
      }
    }
    if (c.livenessFailed()) {
      event(pod, "Unhealthy", "Liveness probe failed; the container will be restarted");
      c.terminate();
      return;
    }
    boolean ready = c.ready();
    if (r.ready == null || r.ready != ready) {
      r.ready = ready;
      List<PodCondition> conditions = new ArrayList<>();
      List<PodCondition> now =
          pod.getStatus() == null ? List.of() : pod.getStatus().getConditions();
      for (PodCondition pc : now) {
        if (!"Ready".equals(pc.getType()) && !"ContainersReady".equals(pc.getType())) {
          conditions.add(pc);
        }
      }
      String s = ready ? "True" : "False";
      conditions.add(condition("ContainersReady", s));
      conditions.add(condition("Ready", s));
      List<ContainerStatus> css =
          pod.getStatus() == null ? List.of() : pod.getStatus().getContainerStatuses();
      String startedAt =
          css.isEmpty()
                  || css.get(0).getState() == null
                  || css.get(0).getState().getRunning() == null
              ? now()
              : css.get(0).getState().getRunning().getStartedAt();
      patchStatus(
          r.namespace,
          r.pod,
          Map.of(
              "conditions",
              conditions,
              "containerStatuses",
              List.of(runningStatus(pod, r, startedAt, ready))));
    }
  }

  private void terminate(String key, Running r, Pod pod) throws InterruptedException {
    PodRuntime.Container c = r.container();
    if (c.alive()) {
      c.terminate(); // SIGTERM
      long grace =
          Optional.ofNullable(pod.getMetadata().getDeletionGracePeriodSeconds()).orElse(30L);
      if (!c.awaitExit(java.time.Duration.ofSeconds(grace))) {
        c.kill();
        c.awaitExit(java.time.Duration.ofSeconds(30));
      }
    }
    if (!done.contains(key)) {
      done.add(key);
      report(r, pod, c.exitCode(), false);
    }
    long due = removeAt.computeIfAbsent(key, k -> System.nanoTime() + removalDelay.toNanos());
    if (System.nanoTime() < due) {
      return; // reported terminal, removed on a later tick
    }
    removeAt.remove(key);
    c.remove();
    client.pods().inNamespace(r.namespace).withName(r.pod).withGracePeriod(0).delete();
  }

  /**
   * The container exited by itself: with restartPolicy Always (or OnFailure and a failure) the
   * container is started again in place and restartCount grows, as a kubelet does; otherwise the
   * pod ends.
   */
  private void exited(String key, Running r, Pod pod) throws java.io.IOException {
    int code = r.container().exitCode();
    String policy = Optional.ofNullable(pod.getSpec().getRestartPolicy()).orElse("Always");
    boolean restart = "Always".equals(policy) || ("OnFailure".equals(policy) && code != 0);
    if (!restart) {
      done.add(key);
      report(r, pod, code, false);
      return;
    }
    report(r, pod, code, true);
    r.container().remove();
    try {
      r.container = runtime.start(pod, r.dir);
    } catch (PodRuntime.Refused | PodRuntime.Waiting e) {
      done.add(key);
      report(r, pod, code, false);
      return;
    }
    r.restarts++;
    r.ready = null;
    event(
        pod,
        "Started",
        "Restarted container "
            + r.containerName
            + " (restart "
            + r.restarts
            + ", exit code "
            + code
            + ")");
    patchStatus(
        r.namespace,
        r.pod,
        Map.of(
            "podIP",
            r.container.ip(),
            "podIPs",
            List.of(Map.of("ip", r.container.ip())),
            "containerStatuses",
            List.of(runningStatus(pod, r, now(), false))));
  }

  /** The exit as status: terminated (the pod ends), or lastState of a restart. */
  private void report(Running r, Pod pod, int code, boolean restarting) {
    String message = r.container().message(code);
    String reason =
        code == 0 ? "Completed" : code == 137 && r.container().oomKilled() ? "OOMKilled" : "Error";
    var terminated =
        new io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder()
            .withExitCode(code)
            .withMessage(message)
            .withReason(reason)
            .withFinishedAt(now())
            .withStartedAt(pod.getStatus() == null ? now() : pod.getStatus().getStartTime())
            .build();
    if (restarting) {
      ContainerStatus cs =
          new ContainerStatusBuilder()
              .withName(r.containerName)
              .withImage(pod.getSpec().getContainers().get(0).getImage())
              .withImageID("")
              .withReady(false)
              .withStarted(false)
              .withRestartCount(r.restarts)
              .withNewLastState()
              .withTerminated(terminated)
              .endLastState()
              .withNewState()
              .withNewWaiting()
              .withReason("ContainerRestarting")
              .endWaiting()
              .endState()
              .build();
      patchStatus(r.namespace, r.pod, Map.of("containerStatuses", List.of(cs)));
      return;
    }
    ContainerStatus cs =
        new ContainerStatusBuilder()
            .withName(r.containerName)
            .withImage(pod.getSpec().getContainers().get(0).getImage())
            .withImageID("")
            .withReady(false)
            .withStarted(false)
            .withRestartCount(r.restarts)
            .withNewState()
            .withTerminated(terminated)
            .endState()
            .build();
    List<PodCondition> conditions = new ArrayList<>();
    if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        if (!"Ready".equals(c.getType()) && !"ContainersReady".equals(c.getType())) {
          conditions.add(c);
        }
      }
    }
    conditions.add(condition("ContainersReady", "False"));
    conditions.add(condition("Ready", "False"));
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", code == 0 ? "Succeeded" : "Failed");
    if (evicting.contains(r.namespace + "/" + r.pod)) {
      status.put("reason", "Evicted");
      status.put(
          "message",
          evictions.getOrDefault(r.namespace + "/" + r.pod, "evicted by the finetune node agent"));
    }
    status.put("conditions", conditions);
    status.put("containerStatuses", List.of(cs));
    patchStatus(r.namespace, r.pod, status);
  }

  private void patchStatus(String ns, String pod, Map<String, Object> status) {
    client
        .pods()
        .inNamespace(ns)
        .withName(pod)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.STRATEGIC_MERGE),
            Serialization.asJson(Map.of("status", status)));
  }

  /** An Event on the pod from this node, as a kubelet records one ({@code kubectl describe}). */
  private void event(Pod pod, String reason, String message) {
    String type = "Started".equals(reason) ? "Normal" : "Warning";
    client
        .v1()
        .events()
        .inNamespace(pod.getMetadata().getNamespace())
        .resource(
            new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata()
                .withGenerateName(pod.getMetadata().getName() + ".")
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("Pod")
                .withApiVersion("v1")
                .withName(pod.getMetadata().getName())
                .withNamespace(pod.getMetadata().getNamespace())
                .withUid(pod.getMetadata().getUid())
                .endInvolvedObject()
                .withReason(reason)
                .withMessage(message)
                .withType(type)
                .withNewSource()
                .withComponent("kubelet")
                .withHost(pod.getSpec().getNodeName())
                .endSource()
                .withFirstTimestamp(now())
                .withLastTimestamp(now())
                .withCount(1)
                .build())
        .create();
  }

  private static PodCondition condition(String type, String status) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withLastTransitionTime(now())
        .build();
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Stops the loop, SIGKILLs every pod's container, removes the Nodes, throws own failures. */
  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running
        .values()
        .forEach(
            r -> {
              r.container().kill();
              r.container().remove();
            });
    client.nodes().withName(CPU_NODE).delete();
    client.nodes().withName(GPU_NODE).delete();
    check();
  }
}
