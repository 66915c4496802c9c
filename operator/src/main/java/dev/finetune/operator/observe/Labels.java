package dev.finetune.operator.observe;

/** Labels and annotations the operator puts on its children. */
public final class Labels {
  /** On the trainer Job, its pods and the spec ConfigMap: the FineTuneJob's name. */
  public static final String JOB = "finetune.dev/job";

  /** On the trainer Job and its pods: the attempt number. */
  public static final String ATTEMPT = "finetune.dev/attempt";

  /** On a trainer Job that the operator stopped because spec.suspend became true. */
  public static final String STOPPED_BY = "finetune.dev/stopped-by";

  public static final String STOPPED_BY_SUSPEND = "suspend";
  public static final String KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";

  /** On the trainer pod: the port of its /metrics (the operator scrapes that port). */
  public static final String PROMETHEUS_PORT = "prometheus.io/port";

  /** On pods, set by the Job controller: the uid of the Job that owns them. */
  public static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";

  /** The same label before Kubernetes 1.27 (still set alongside). */
  public static final String LEGACY_CONTROLLER_UID = "controller-uid";

  /** The trainer container's name. */
  public static final String TRAINER_CONTAINER = "trainer";

  private Labels() {}
}
