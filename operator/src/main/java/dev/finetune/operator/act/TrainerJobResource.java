package dev.finetune.operator.act;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.TrainerHeap;
import dev.finetune.contract.TrainerMemory;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.observe.Attempt;
import dev.finetune.operator.observe.AttemptReader;
import dev.finetune.operator.observe.Labels;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The trainer Job of one attempt, {@code <ftj>-attempt-<n>}. Create-only: a Job's pod template is
 * immutable, so a new attempt is a new Job, never an update. Owned by the FineTuneJob, so deleting
 * the FineTuneJob garbage-collects its Jobs and pods.
 */
public final class TrainerJobResource {
  /**
   * Where the trainer writes its final numbers on success (the container's termination message; the
   * kubelet keeps 4 KiB). On failure it writes nothing, so the kubelet falls back to the log's
   * tail, which ends with the trainer's error line.
   */
  public static final String TERMINATION_LOG = "/dev/termination-log";

  /** The trainer's exit code after SIGTERM (it checkpointed first). */
  public static final int SIGTERM_EXIT_CODE = 143;

  public static final String CONFIG_DIR = "/etc/finetune";
  public static final String WORK_DIR = "/work";

  /** The extended resource and taint key of NVIDIA's device plugin. */
  static final String GPU = "nvidia.com/gpu";

  private TrainerJobResource() {}

  public static String name(FineTuneJob ftj, int attempt) {
    return ftj.getMetadata().getName() + "-attempt-" + attempt;
  }

  static OwnerReference owner(FineTuneJob ftj) {
    return new OwnerReferenceBuilder()
        .withApiVersion(ftj.getApiVersion())
        .withKind(ftj.getKind())
        .withName(ftj.getMetadata().getName())
        .withUid(ftj.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** {@link #desired(FineTuneJob, int, OperatorConfig, String, int)} before any restart. */
  public static Job desired(
      FineTuneJob ftj, int attempt, OperatorConfig config, String fromJobModelUri) {
    return desired(ftj, attempt, config, fromJobModelUri, 0);
  }

  /**
   * The Job for attempt {@code n}; {@code fromJobModelUri} resolves spec.model.pretrained.fromJob;
   * {@code restarts} is status.restarts, the retries already used (a queued job's Job gets the rest
   * of spec.backoffLimit, see {@link #retriesInJob}).
   */
  public static Job desired(
      FineTuneJob ftj, int attempt, OperatorConfig config, String fromJobModelUri, int restarts) {
    FineTuneJobSpec spec = ftj.getSpec();
    boolean inJob = retriesInJob(spec);
    String name = ftj.getMetadata().getName();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.JOB, name);
    labels.put(Labels.ATTEMPT, String.valueOf(attempt));
    Map<String, String> jobLabels = new LinkedHashMap<>(labels);
    if (spec.queueName != null) {
      jobLabels.put(Labels.KUEUE_QUEUE, spec.queueName);
    }
    int port = config.metricsPort();

    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                CONFIG_DIR + "/" + SpecConfigMapResource.KEY,
                "--output",
                WORK_DIR + "/out",
                "--metrics-port",
                String.valueOf(port),
                "--no-progress",
                "--termination-log",
                TERMINATION_LOG));
    cpus(spec).ifPresent(c -> args.addAll(List.of("--cpus", String.valueOf(c))));
    if (fromJobModelUri != null) {
      args.addAll(List.of("--from-job", spec.model.pretrained.fromJob + "=" + fromJobModelUri));
    }

    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    if (spec.resources != null) {
      if (spec.resources.cpu != null) {
        requests.put("cpu", new Quantity(spec.resources.cpu));
        limits.put("cpu", new Quantity(spec.resources.cpu));
      }
      if (spec.resources.memory != null) {
        requests.put("memory", new Quantity(spec.resources.memory));
        limits.put("memory", new Quantity(spec.resources.memory));
      }
      if (spec.resources.gpus != null && spec.resources.gpus > 0) {
        limits.put(GPU, new Quantity(String.valueOf(spec.resources.gpus)));
      }
    }
    // No memory named, CPU job: request the measured estimate (no limit), so the scheduler and
    // Kueue's quota count the pod instead of treating it as needing nothing (TrainerMemory).
    TrainerMemory.defaultRequest(spec).ifPresent(m -> requests.put("memory", new Quantity(m)));

    List<EnvVar> env =
        new java.util.ArrayList<>(
            List.of(
                new EnvVarBuilder()
                    .withName("FINETUNE_NAMESPACE")
                    .withNewValueFrom()
                    .withNewFieldRef()
                    .withFieldPath("metadata.namespace")
                    .endFieldRef()
                    .endValueFrom()
                    .build(),
                new EnvVar("FINETUNE_ATTEMPT", String.valueOf(attempt), null),
                new EnvVar("FINETUNE_CACHE_DIR", WORK_DIR + "/cache", null),
                // The image the trainer names in its model card (README.md next to the final
                // model).
                new EnvVar("FINETUNE_IMAGE", image(spec, config), null),
                new EnvVar("HOME", "/tmp", null)));
    if (inJob) {
      // The pods the Job replaced before this one, which the trainer adds to FINETUNE_ATTEMPT.
      env.add(annotationEnv("FINETUNE_JOB_FAILURES", AttemptReader.FAILURE_COUNT));
      env.add(annotationEnv("FINETUNE_JOB_IGNORED_FAILURES", AttemptReader.IGNORED_FAILURE_COUNT));
    }
    // The JVM's young generation from the spec's batch and image size (CPU jobs): keeps the heap
    // near its live data instead of growing with the allocation rate (TrainerHeap;
    // docs/BENCHMARKS.md, "Memory").
    TrainerHeap.javaOptions(spec).ifPresent(o -> env.add(new EnvVar(TrainerHeap.ENV, o, null)));
    config
        .trainerAllowedHosts()
        .filter(h -> !h.isBlank())
        .ifPresent(h -> env.add(new EnvVar("FINETUNE_ALLOWED_HOSTS", h.trim(), null)));
    config
        .trainerAllowedSchemes()
        .filter(s -> !s.isBlank())
        .ifPresent(s -> env.add(new EnvVar("FINETUNE_ALLOWED_SCHEMES", s.trim(), null)));

    var container =
        new ContainerBuilder()
            .withName(Labels.TRAINER_CONTAINER)
            .withImage(image(spec, config))
            .withArgs(args)
            .withEnv(env)
            .addNewPort()
            .withName("metrics")
            .withContainerPort(port)
            .endPort()
            .withNewResources()
            .withRequests(requests)
            .withLimits(limits)
            .endResources()
            .withTerminationMessagePath(TERMINATION_LOG)
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .addNewVolumeMount()
            .withName("spec")
            .withMountPath(CONFIG_DIR)
            .withReadOnly(true)
            .endVolumeMount()
            .addNewVolumeMount()
            .withName("work")
            .withMountPath(WORK_DIR)
            .endVolumeMount()
            .addNewVolumeMount()
            .withName("tmp")
            .withMountPath("/tmp")
            .endVolumeMount()
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withReadOnlyRootFilesystem(true)
            .withAllowPrivilegeEscalation(false)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext();
    if (spec.checkpoints != null && spec.checkpoints.credentialsSecret != null) {
      container
          .addNewEnvFrom()
          .withNewSecretRef()
          .withName(spec.checkpoints.credentialsSecret)
          .endSecretRef()
          .endEnvFrom();
    }

    var pod =
        new PodSpecBuilder()
            .withRestartPolicy("Never")
            .withServiceAccountName(config.trainerServiceAccount())
            .withAutomountServiceAccountToken(false)
            .withTerminationGracePeriodSeconds(config.terminationGracePeriodSeconds())
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withRunAsUser(config.runAsUser())
            .withRunAsGroup(config.runAsUser())
            .withFsGroup(config.runAsUser())
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .withContainers(container.build())
            .addNewVolume()
            .withName("spec")
            .withNewConfigMap()
            .withName(SpecConfigMapResource.name(ftj))
            .endConfigMap()
            .endVolume()
            .addNewVolume()
            .withName("work")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .addNewVolume()
            .withName("tmp")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .withNodeSelector(spec.nodeSelector)
            .withTolerations(tolerations(spec))
            .withAffinity(spec.affinity)
            .withPriorityClassName(spec.priorityClassName)
            .build();

    var job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name(ftj, attempt))
            .withNamespace(ftj.getMetadata().getNamespace())
            .withLabels(jobLabels)
            .withOwnerReferences(owner(ftj))
            .endMetadata()
            .withNewSpec();
    if (inJob) {
      // One indexed pod that the Job replaces itself, up to the retries left; the Job
      // controller counts the replaced pods in each new pod's annotations (AttemptReader).
      int limit =
          spec.backoffLimit == null ? FineTuneJobSpec.DEFAULT_BACKOFF_LIMIT : spec.backoffLimit;
      job.withCompletionMode("Indexed")
          .withCompletions(1)
          .withParallelism(1)
          .withBackoffLimitPerIndex(Math.max(0, limit - restarts));
    } else {
      // The operator retries (with checkpoints and its own backoff); the Job never does.
      job.withBackoffLimit(0);
    }
    return job
        // Why the pod ended, kept in the Job's Failed condition after the pod is gone (a
        // preempted pod is deleted): a disruption or SIGTERM is a preemption, not a failure.
        .withPodFailurePolicy(podFailurePolicy(spec))
        .withSuspend(spec.queueName != null)
        .withTtlSecondsAfterFinished(spec.ttlSecondsAfterFinished)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .withAnnotations(
            Map.of(
                "prometheus.io/scrape",
                "true",
                Labels.PROMETHEUS_PORT,
                String.valueOf(port),
                "prometheus.io/path",
                "/metrics"))
        .endMetadata()
        .withSpec(pod)
        .endTemplate()
        .endSpec()
        .build();
  }

  /** spec.image, else the CUDA image for gpus >= 1, else the CPU image. */
  public static String image(FineTuneJobSpec spec, OperatorConfig config) {
    if (spec.image != null) {
      return spec.image;
    }
    return TrainerHeap.wantsGpu(spec) ? config.trainerImageGpu() : config.trainerImage();
  }

  /**
   * spec.tolerations, plus {@code nvidia.com/gpu:NoSchedule} (the taint GPU node pools carry) for
   * gpus >= 1 unless the spec already tolerates that key.
   */
  static List<Toleration> tolerations(FineTuneJobSpec spec) {
    List<Toleration> out = new ArrayList<>(spec.tolerations == null ? List.of() : spec.tolerations);
    if (TrainerHeap.wantsGpu(spec) && out.stream().noneMatch(t -> GPU.equals(t.getKey()))) {
      out.add(
          new TolerationBuilder()
              .withKey(GPU)
              .withOperator("Exists")
              .withEffect("NoSchedule")
              .build());
    }
    return out;
  }

  /**
   * --cpus: the CPU request and limit rounded up to whole cores (at least 1); the trainer splits
   * them between compute threads and data workers. Empty without spec.resources.cpu: the trainer's
   * JVM then counts the CPUs of its cgroup (a LimitRange's limit, or the node's).
   */
  static java.util.Optional<Integer> cpus(FineTuneJobSpec spec) {
    if (spec.resources == null || spec.resources.cpu == null) {
      return java.util.Optional.empty();
    }
    BigDecimal cores = new Quantity(spec.resources.cpu).getNumericalAmount();
    return java.util.Optional.of(Math.max(1, cores.setScale(0, RoundingMode.CEILING).intValue()));
  }

  /**
   * A Job the operator retries (no queue): FailJob on the pod condition DisruptionTarget (a drain,
   * the Eviction API, a graceful node shutdown, the scheduler's preemption) and on the trainer's
   * SIGTERM exit code 143 (a pod deleted by hand), so the Job's Failed condition says why after the
   * pod is gone.
   *
   * <p>A Job that retries its own pod (a queued job, {@link #retriesInJob}): Ignore both (a
   * preemption does not use up the retries; Kueue preempts by suspending the Job, whose pod then
   * ends with 143), FailJob on a permanent exit code ({@link ExitCode#isPermanent}), and count the
   * retryable ones (128, 129, 137) against backoffLimitPerIndex.
   */
  static PodFailurePolicy podFailurePolicy(FineTuneJobSpec spec) {
    boolean inJob = retriesInJob(spec);
    String preempted = inJob ? "Ignore" : "FailJob";
    PodFailurePolicyBuilder policy =
        new PodFailurePolicyBuilder()
            .addNewRule()
            .withAction(preempted)
            .addNewOnPodCondition()
            .withType("DisruptionTarget")
            .withStatus("True")
            .endOnPodCondition()
            .endRule()
            .addNewRule()
            .withAction(preempted)
            .withNewOnExitCodes()
            .withContainerName(Labels.TRAINER_CONTAINER)
            .withOperator("In")
            .withValues(SIGTERM_EXIT_CODE)
            .endOnExitCodes()
            .endRule();
    if (inJob) {
      policy
          .addNewRule()
          .withAction("FailJob")
          .withNewOnExitCodes()
          .withContainerName(Labels.TRAINER_CONTAINER)
          .withOperator("NotIn")
          .withValues(IntStream.rangeClosed(1, 255).filter(ExitCode::isRetryable).boxed().toList())
          .endOnExitCodes()
          .endRule();
    }
    return policy.build();
  }

  /**
   * A queued job (spec.queueName) keeps one Job across its retries: Kueue orders a queue by when
   * each Workload was made, and every new Job is a new Workload, so a retry as a new Job would
   * queue again from the back. Its Job replaces a failed pod itself; the operator retries only jobs
   * outside a queue, each attempt a new Job.
   */
  public static boolean retriesInJob(FineTuneJobSpec spec) {
    return spec.queueName != null;
  }

  private static EnvVar annotationEnv(String name, String annotation) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath("metadata.annotations['" + annotation + "']")
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  /** Creates the Job; an existing Job of the same name (a lagging cache) is left as it is. */
  public static Creation create(KubernetesClient client, Job job, String ownerUid) {
    return Creation.create(
        client,
        job,
        ownerUid,
        j -> client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(j));
  }

  /**
   * Stops an attempt because spec.suspend became true: marks the Job (metadata only; the template
   * is never changed) so the observer counts it as suspended, not as a failure, then deletes its
   * pods (SIGTERM: the trainer checkpoints). A Job that never had a pod (queued) is deleted
   * instead. A marked Job whose pods are gone is left to the Job controller, which records the
   * failure. A Job that retries its own pod would start another, so it is marked and deleted in the
   * foreground instead: it stays, and starts nothing, until its pods have stopped.
   */
  public static void stop(
      KubernetesClient client, String namespace, Attempt attempt, boolean retriesInJob) {
    var job = client.batch().v1().jobs().inNamespace(namespace).withName(attempt.jobName());
    if (!attempt.stopRequested()) {
      job.edit(
          j -> {
            j.getMetadata().getAnnotations().put(Labels.STOPPED_BY, Labels.STOPPED_BY_SUSPEND);
            return j;
          });
    }
    if (retriesInJob) {
      job.withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.FOREGROUND)
          .delete();
      return;
    }
    if (attempt.activePods().isEmpty() && !attempt.stopRequested()) {
      job.withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
          .delete();
      return;
    }
    for (String pod : attempt.activePods()) {
      client.pods().inNamespace(namespace).withName(pod).delete();
    }
  }
}
