package dev.finetune.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Every setting of the operator, from application.properties or FINETUNE_OPERATOR_* variables. */
@ConfigMapping(prefix = "finetune.operator")
public interface OperatorConfig {
  /**
   * Trainer image used when a FineTuneJob does not set spec.image and asks for no GPU; bin/images
   * builds it.
   */
  @WithDefault("localhost/finetune-trainer:0.1.0-cpu")
  String trainerImage();

  /**
   * Trainer image for jobs with {@code resources.gpus >= 1} that do not set spec.image: the CUDA
   * flavour ({@code bin/images --cuda}). Their pods also tolerate {@code
   * nvidia.com/gpu:NoSchedule}.
   */
  @WithDefault("localhost/finetune-trainer:0.1.0-cu124")
  String trainerImageGpu();

  /**
   * ServiceAccount of trainer pods. Default: the namespace's own "default", which every namespace
   * has, so a new namespace needs no setup; the pod never mounts its token
   * (automountServiceAccountToken: false) and the trainer never calls the Kubernetes API. Name
   * another one (that you create per namespace) for workload identity, such as IRSA.
   */
  @WithDefault("default")
  String trainerServiceAccount();

  /** Delay before the first retry; doubles with every further retry. */
  @WithDefault("10s")
  Duration backoffBase();

  /** Longest delay between retries. */
  @WithDefault("5m")
  Duration backoffMax();

  /**
   * How long a job waits for a fromJob source that does not exist yet (GitOps applies a source and
   * its users together, in any order) before its spec is invalid.
   */
  @WithDefault("10m")
  Duration sourceGrace();

  /** How often a job that waits for its fromJob source is checked again. */
  @WithDefault("30s")
  Duration sourceRecheck();

  /** Pod terminationGracePeriodSeconds: the trainer needs its --grace-period (25 s) plus upload. */
  @WithDefault("60")
  long terminationGracePeriodSeconds();

  /**
   * UID and GID the trainer runs as (runAsNonRoot needs a numeric user); the image's user is 185.
   */
  @WithDefault("185")
  long runAsUser();

  /** How often a running job's progress and accuracy are read from its trainer pod. */
  @WithDefault("30s")
  Duration metricsInterval();

  /** Connect and read timeout for a trainer pod's /metrics. */
  @WithDefault("1s")
  Duration metricsTimeout();

  /**
   * Threads that scrape trainer pods' /metrics, off the reconcile thread (at most one scrape in
   * flight per pod). A blocked pod holds one for metrics-timeout; failing pods back off.
   */
  @WithDefault("8")
  int metricsThreads();

  /**
   * Scrapes that may wait for a thread; beyond that a scrape is skipped until the next reconcile.
   */
  @WithDefault("2000")
  int metricsQueue();

  /** Port of the trainer's Prometheus endpoint. */
  @WithDefault("9400")
  int metricsPort();

  /**
   * Hosts that trainer pods may download datasets and models from, comma-separated ({@code
   * huggingface.co,*.hf.co,minio.data.svc}); becomes FINETUNE_ALLOWED_HOSTS. Unset: any https host
   * (see the trainer README's security section).
   */
  Optional<String> trainerAllowedHosts();

  /** URI schemes spec URIs may use ({@code https,s3,hf}); becomes FINETUNE_ALLOWED_SCHEMES. */
  Optional<String> trainerAllowedSchemes();

  /**
   * Images {@code spec.image} may name, comma-separated: exact references or prefixes ending in
   * {@code *} ({@code registry.example.com/ml/*}). A job naming another image is Failed by
   * validation and denied by the admission webhook. Unset: any image.
   */
  Optional<String> trainerAllowedImages();

  /**
   * Least time between two listings of a job's object storage (latestCheckpoint, lineage) while it
   * is active; a finished job is listed once more, then no longer.
   */
  @WithDefault("60s")
  Duration storageInterval();

  /** Connect and read timeout of one object storage request from the operator. */
  @WithDefault("5s")
  Duration storageTimeout();
}
