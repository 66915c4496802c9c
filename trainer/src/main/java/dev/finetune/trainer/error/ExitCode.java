package dev.finetune.trainer.error;

/**
 * Process exit codes of the trainer. 1-127 are permanent (retrying cannot help: fix the spec or
 * the data); the codes of this table from 128 up are retryable (the operator starts a new attempt
 * that resumes from the newest checkpoint). A process killed by a signal exits 128 + the signal's
 * number; {@link #retryableExit} classifies those by their cause.
 */
public enum ExitCode {
  OK(0, "success"),
  INTERNAL(1, "unexpected internal error (a bug: please report it)"),
  USAGE(2, "bad command line"),
  INVALID_SPEC(3, "the FineTuneJob spec is invalid (unknown field, value out of range, bad enum)"),
  UNSUPPORTED(4, "unsupported scheme, architecture or URI host"),
  DATASET_INVALID(5, "the dataset is unusable: missing or empty class folder, classes differ"
      + " between train and test, too many undecodable images, malformed IDX"),
  ARCHIVE_UNSAFE(6, "an archive entry escapes its folder, or the archive exceeds size limits"),
  WEIGHTS_INVALID(7, "the source weights cannot be loaded: corrupt file, missing or mismatched"
      + " tensor shapes"),
  DIVERGED(8, "the loss became NaN or infinite"),
  NOT_FOUND(9, "a referenced file or object does not exist"),
  STORAGE_DENIED(10, "object storage rejected or lacks credentials (AWS_ACCESS_KEY_ID,"
      + " AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL)"),
  RUN_MISMATCH(11, "the checkpoint location holds checkpoints or a final model of another run"
      + " (job, namespace, spec, dataset, architecture or classes differ) or files this trainer"
      + " did not write; use another spec.checkpoints.uri or --output"),
  RETRYABLE(128, "a transient failure; retry resumes from the newest checkpoint"),
  STORAGE_UNAVAILABLE(129, "object storage or download host unreachable after retries"),
  PREEMPTED(143, "SIGTERM received: a checkpoint was written, resume later");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  public String meaning() {
    return meaning;
  }

  public boolean retryable() {
    return code >= 128;
  }

  /** SIGKILL: the kubelet's OOM kill, a node going away, or the grace period running out. */
  public static final int SIGKILL_EXIT = 137;

  /**
   * Whether a process exit code is worth retrying. 1-127: no. 128, 129 and 143 (the table's
   * retryable codes) and 137 (SIGKILL: OOM kill, node loss, grace period exceeded): yes. Any
   * other 128 + signal (134 SIGABRT from a native library, 139 SIGSEGV, 136 SIGFPE, 132 SIGILL,
   * 135 SIGBUS, 130 SIGINT...) is a crash that would repeat on the same input: permanent.
   */
  public static boolean retryableExit(int code) {
    if (code == SIGKILL_EXIT) {
      return true;
    }
    for (ExitCode c : values()) {
      if (c.code == code) {
        return c.retryable();
      }
    }
    return false;
  }
}
