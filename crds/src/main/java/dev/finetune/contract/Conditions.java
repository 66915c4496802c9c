package dev.finetune.contract;

/**
 * The condition types and reasons the operator writes in a FineTuneJob's {@code status.conditions}:
 * API, like {@link Phase}. Types: Running, Suspended, Succeeded, Failed, the kstatus Ready,
 * Reconciling and Stalled, and StorageReachable; the reasons say why a condition has its status.
 */
public final class Conditions {
  public static final String RUNNING = "Running";
  public static final String SUSPENDED = "Suspended";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String PERMANENT_FAILURE = "PermanentFailure";
  public static final String BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";
  public static final String COMPLETED = "Completed";
  public static final String RESTARTING = "Restarting";
  public static final String RESUMING = "Resuming";
  public static final String CREATING = "Creating";
  public static final String SUSPENDING = "Suspending";

  /**
   * kstatus (sigs.k8s.io/cli-utils/pkg/kstatus), read by Flux health checks, kubectl wait and Argo
   * CD: Ready=True once the job succeeded; Reconciling=True while the operator works towards that
   * (pending, running, restarting, suspending); Stalled=True when it failed.
   */
  public static final String READY = "Ready";

  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  /** Whether the last read of the job's object storage (checkpoints, model) answered. */
  public static final String STORAGE_REACHABLE = "StorageReachable";

  public static final String STORAGE_ANSWERED = "StorageAnswered";
  public static final String STORAGE_UNREACHABLE = "StorageUnreachable";

  /** s3:// checkpoints without credentialsSecret: the operator cannot read them (Unknown). */
  public static final String STORAGE_NO_CREDENTIALS = "NoCredentials";

  /**
   * spec.registry only: whether the final model is a version in the model registry. False with
   * RegistryUnavailable (the registry did not answer or refused; retried with backoff) never
   * changes the phase.
   */
  public static final String REGISTERED = "Registered";

  public static final String VERSION_REGISTERED = "VersionRegistered";
  public static final String REGISTRY_UNAVAILABLE = "RegistryUnavailable";

  private Conditions() {}
}
