package dev.finetune.contract;

/**
 * Process exit codes of the trainer, part of the contract with the operator. 1-127 are permanent
 * (retrying cannot help: fix the spec or the data). 128, 129 and 143 (this table's retryable codes)
 * and 137 (SIGKILL) are retryable: the operator starts a new attempt that resumes from the newest
 * checkpoint. Any other 128 + signal is a crash (134 SIGABRT from a native library, 139 SIGSEGV...)
 * that the same input would repeat: permanent. The trainer's CLI exits with these; the operator's
 * {@code AttemptReader} classifies a terminated trainer container with {@link #isPermanent(int)}.
 */
public enum ExitCode {
  OK(0, "success"),
  INTERNAL(1, "unexpected internal error (a bug: please report it)"),
  USAGE(2, "bad command line"),
  INVALID_SPEC(3, "the FineTuneJob spec is invalid (unknown field, value out of range, bad enum)"),
  UNSUPPORTED(4, "unsupported scheme, architecture or URI host"),
  DATASET_INVALID(
      5,
      "the dataset is unusable: missing or empty class folder, classes differ"
          + " between train and test, too many undecodable images, malformed IDX"),
  ARCHIVE_UNSAFE(6, "an archive entry escapes its folder, or the archive exceeds size limits"),
  WEIGHTS_INVALID(
      7,
      "the source weights cannot be loaded: corrupt file, missing or mismatched"
          + " tensor shapes"),
  DIVERGED(8, "the loss became NaN or infinite"),
  NOT_FOUND(9, "a referenced file or object does not exist"),
  STORAGE_DENIED(
      10,
      "object storage rejected or lacks credentials (AWS_ACCESS_KEY_ID,"
          + " AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL)"),
  RUN_MISMATCH(
      11,
      "the checkpoint location holds checkpoints or a final model of another run"
          + " (job, namespace, spec, dataset, architecture or classes differ) or files under model/"
          + " this trainer did not write, or --output holds another run's result.json; use another"
          + " spec.checkpoints.uri or --output"),
  RETRYABLE(
      128,
      "a transient failure (out of memory; resources.gpus >= 1 but no GPU usable"
          + " here); retry resumes from the newest checkpoint"),
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
    return isRetryable(code);
  }

  /** SIGKILL: the kubelet's OOM kill, a node going away, or the grace period running out. */
  public static final int SIGKILL_EXIT = 137;

  /** A failure a new attempt cannot fix: 1-127, and crash signals (see {@link #isRetryable}). */
  public static boolean isPermanent(int code) {
    return code != 0 && !isRetryable(code);
  }

  /**
   * Whether an exit code is worth retrying: 128 ({@link #RETRYABLE}), 129 ({@link
   * #STORAGE_UNAVAILABLE}), 143 ({@link #PREEMPTED}) and 137 (SIGKILL: OOM kill, node loss, grace
   * period exceeded). Any other 128 + signal (134 SIGABRT, 139 SIGSEGV, 136 SIGFPE, 132 SIGILL, 135
   * SIGBUS, 130 SIGINT...) is a crash that would repeat on the same input.
   */
  public static boolean isRetryable(int code) {
    return code == RETRYABLE.code
        || code == STORAGE_UNAVAILABLE.code
        || code == PREEMPTED.code
        || code == SIGKILL_EXIT;
  }

  /** "SIGABRT" for 134 and the like; empty for codes that are not 128 + a signal. */
  public static java.util.Optional<String> signalName(int code) {
    if (code <= 128 || code > 128 + 64) {
      return java.util.Optional.empty();
    }
    int n = code - 128;
    String name =
        switch (n) {
          case 1 -> "SIGHUP";
          case 2 -> "SIGINT";
          case 3 -> "SIGQUIT";
          case 4 -> "SIGILL";
          case 6 -> "SIGABRT";
          case 7 -> "SIGBUS";
          case 8 -> "SIGFPE";
          case 9 -> "SIGKILL";
          case 11 -> "SIGSEGV";
          case 15 -> "SIGTERM";
          default -> "signal " + n;
        };
    return java.util.Optional.of(name);
  }
}
