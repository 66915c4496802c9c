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
 *   <li>Registers two Nodes: {@code cpu-0}, and {@code gpu-0} advertising {@code nvidia.com/gpu:
 *       1} with the taint GPU node pools carry ({@code nvidia.com/gpu=present:NoSchedule}).
 *       Both report Ready; the real scheduler places pods on them.</li>
 *   <li>Runs only pods bound to its nodes ({@code spec.nodeName}), each as a local process
 *       ({@link TrainerContainer}: the trainer CLI in a child JVM). Pods it cannot run fail with
 *       the reason, never in silence.</li>
 *   <li>Patches {@code pods/status}: phase, the Ready and ContainersReady conditions, pod IP
 *       127.0.0.1, container states with exit codes, and the termination message read from the
 *       file that {@code terminationMessagePath} names (else, with
 *       {@code FallbackToLogsOnError}, the log's tail).</li>
 *   <li>Honours graceful deletion: SIGTERM, up to the deletion's grace period, then SIGKILL;
 *       then deletes the pod with grace period 0, as a kubelet does.</li>
 *   <li>{@link #evict} sets the {@code DisruptionTarget} condition before it stops the pod, as
 *       a kubelet's node-pressure eviction does, so a Job's {@code podFailurePolicy} sees it.</li>
 * </ul>
 *
 * <p>It acts with the cluster-admin client the test hands it. A failure of its own (not of a
 * pod) is kept and thrown by {@link #check()} and {@link #close()}, so a broken test ends with
 * the real error instead of a timeout.
 */
public final class NodeAgent implements AutoCloseable {
  public static final String CPU_NODE = "cpu-0";
  public static final String GPU_NODE = "gpu-0";
  public static final String GPU = "nvidia.com/gpu";

  private final KubernetesClient client;
  private final Path root;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final java.util.Set<String> done = ConcurrentHashMap.newKeySet();
  private final java.util.Set<String> evicting = ConcurrentHashMap.newKeySet();
  private final LoopFailures failures = new LoopFailures("node-agent");
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "node-agent");
    t.setDaemon(true);
    return t;
  });

  /** A pod's process on this node. */
  public record Running(String namespace, String pod, String uid, TrainerContainer.Started started,
      String containerName) {
    public Path dir() {
      return started.dir();
    }
  }

  public NodeAgent(KubernetesClient client, Path root) {
    this.client = client;
    this.root = root;
    register(CPU_NODE, Map.of("cpu", "8", "memory", "32Gi", "pods", "110"), false);
    register(GPU_NODE, Map.of("cpu", "8", "memory", "32Gi", "pods", "110", GPU, "1"), true);
    loop.scheduleWithFixedDelay(this::tick, 0, 200, TimeUnit.MILLISECONDS);
  }

  private void register(String name, Map<String, String> capacity, boolean gpu) {
    Map<String, Quantity> q = new LinkedHashMap<>();
    capacity.forEach((k, v) -> q.put(k, new Quantity(v)));
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name)
        .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
        .endMetadata().withNewSpec().endSpec();
    if (gpu) {
      b.editMetadata().addToLabels("nvidia.com/gpu.present", "true").endMetadata()
          .editSpec().addNewTaint().withKey(GPU).withValue("present").withEffect("NoSchedule")
          .endTaint().endSpec();
    }
    Node node = client.nodes().resource(b.build()).serverSideApply();
    node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
        .withCapacity(q).withAllocatable(q)
        .addNewCondition().withType("Ready").withStatus("True").withReason("NodeAgentReady")
        .withMessage("finetune node agent").withLastHeartbeatTime(now())
        .withLastTransitionTime(now()).endCondition()
        .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
        .withNewNodeInfo().withArchitecture("amd64").withOperatingSystem("linux")
        .withKubeletVersion("v1.37.2").withContainerRuntimeVersion("finetune-node-agent://1")
        .withKernelVersion("").withOsImage("").withKubeProxyVersion("").withMachineID("")
        .withSystemUUID("").withBootID("").endNodeInfo()
        .build());
    client.nodes().resource(node).updateStatus();
  }

  /** The process of a pod, once started. */
  public Optional<Running> running(String namespace, String pod) {
    return Optional.ofNullable(running.get(namespace + "/" + pod));
  }

  /** SIGKILL to a pod's process (exit 137), as when a container is OOM-killed. */
  public void kill(String namespace, String pod) {
    running.get(namespace + "/" + pod).started().process().destroyForcibly();
  }

  /**
   * Evicts a pod as a kubelet under node pressure does: the {@code DisruptionTarget} condition
   * first, then SIGTERM and the grace period; the pod ends Failed and stays.
   */
  public void evict(String namespace, String pod) {
    patchStatus(namespace, pod, Map.of("conditions", List.of(new PodConditionBuilder()
        .withType("DisruptionTarget").withStatus("True").withReason("TerminationByKubelet")
        .withMessage("evicted by the finetune node agent").withLastTransitionTime(now())
        .build())));
    evicting.add(namespace + "/" + pod);
    running.get(namespace + "/" + pod).started().process().destroy();
  }

  /** Throws what went wrong in the agent itself, if anything did. */
  public void check() {
    failures.check();
  }

  private void tick() {
    try {
      for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
        String node = pod.getSpec().getNodeName();
        if (!CPU_NODE.equals(node) && !GPU_NODE.equals(node)) {
          continue;
        }
        String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        Running r = running.get(key);
        if (r != null && !r.uid().equals(pod.getMetadata().getUid())) {
          continue; // an old pod of the same name, already handled
        }
        if (r == null && !done.contains(key) && pod.getMetadata().getDeletionTimestamp() == null
            && "Pending".equals(phase(pod))) {
          start(key, pod);
        } else if (r != null && pod.getMetadata().getDeletionTimestamp() != null) {
          terminate(key, r, pod);
        } else if (r != null && !r.started().process().isAlive() && !done.contains(key)) {
          exited(key, r, pod);
        }
      }
    } catch (RuntimeException e) {
      failures.record(e);
    } catch (java.io.IOException | InterruptedException e) {
      failures.record(new IllegalStateException(e));
    }
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending"
        : pod.getStatus().getPhase();
  }

  private void start(String key, Pod pod) throws java.io.IOException {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String container = pod.getSpec().getContainers().get(0).getName();
    TrainerContainer.Started started;
    try {
      started = TrainerContainer.start(client, ns, name, pod.getSpec(),
          root.resolve(ns).resolve(name + "-" + pod.getMetadata().getUid().substring(0, 8)),
          List.of(), Map.of());
    } catch (TrainerContainer.Refused e) {
      done.add(key);
      Map<String, Object> status = new LinkedHashMap<>();
      status.put("phase", "Failed");
      status.put("reason", "NodeAgentRefused");
      status.put("message", "the finetune node agent cannot run this pod: " + e.getMessage());
      patchStatus(ns, name, status);
      return;
    }
    running.put(key, new Running(ns, name, pod.getMetadata().getUid(), started, container));
    String at = now();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", "Running");
    status.put("podIP", "127.0.0.1");
    status.put("podIPs", List.of(Map.of("ip", "127.0.0.1")));
    status.put("hostIP", "127.0.0.1");
    status.put("startTime", at);
    status.put("conditions", List.of(condition("PodScheduled", "True"),
        condition("Initialized", "True"), condition("ContainersReady", "True"),
        condition("Ready", "True")));
    status.put("containerStatuses", List.of(new ContainerStatusBuilder().withName(container)
        .withImage(pod.getSpec().getContainers().get(0).getImage()).withImageID("")
        .withReady(true).withStarted(true).withRestartCount(0)
        .withNewState().withNewRunning().withStartedAt(at).endRunning().endState().build()));
    // the trainer listens on a free loopback port; the annotation tells the operator which
    Map<String, String> ann = new LinkedHashMap<>();
    ann.put("prometheus.io/port", String.valueOf(started.metricsPort()));
    client.pods().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
        Serialization.asJson(Map.of("metadata", Map.of("annotations", ann))));
    patchStatus(ns, name, status);
  }

  private void terminate(String key, Running r, Pod pod) throws InterruptedException {
    Process p = r.started().process();
    if (p.isAlive()) {
      p.destroy(); // SIGTERM
      long grace = Optional.ofNullable(pod.getMetadata().getDeletionGracePeriodSeconds())
          .orElse(30L);
      if (!p.waitFor(grace, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
      }
    }
    if (!done.contains(key)) {
      exited(key, r, pod);
    }
    client.pods().inNamespace(r.namespace()).withName(r.pod()).withGracePeriod(0).delete();
  }

  private void exited(String key, Running r, Pod pod) {
    done.add(key);
    int code = r.started().process().exitValue();
    String message = TrainerContainer.message(r.started().terminationLog(),
        r.started().stderr(), code);
    ContainerStatus cs = new ContainerStatusBuilder().withName(r.containerName())
        .withImage(pod.getSpec().getContainers().get(0).getImage()).withImageID("")
        .withReady(false).withStarted(false).withRestartCount(0)
        .withNewState().withNewTerminated().withExitCode(code).withMessage(message)
        .withReason(code == 0 ? "Completed" : "Error").withFinishedAt(now())
        .withStartedAt(pod.getStatus() == null ? now() : pod.getStatus().getStartTime())
        .endTerminated().endState().build();
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
    if (evicting.contains(key)) {
      status.put("reason", "Evicted");
      status.put("message", "evicted by the finetune node agent");
    }
    status.put("conditions", conditions);
    status.put("containerStatuses", List.of(cs));
    patchStatus(r.namespace(), r.pod(), status);
  }

  private void patchStatus(String ns, String pod, Map<String, Object> status) {
    client.pods().inNamespace(ns).withName(pod).subresource("status")
        .patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
            Serialization.asJson(Map.of("status", status)));
  }

  private static PodCondition condition(String type, String status) {
    return new PodConditionBuilder().withType(type).withStatus(status)
        .withLastTransitionTime(now()).build();
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Stops the loop, SIGKILLs every pod process, removes the Nodes, throws any own failure. */
  @Override
  public void close() {
    loop.shutdownNow();
    running.values().forEach(r -> r.started().process().destroyForcibly());
    client.nodes().withName(CPU_NODE).delete();
    client.nodes().withName(GPU_NODE).delete();
    check();
  }
}
