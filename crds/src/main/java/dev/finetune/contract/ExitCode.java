package dev.finetune.contract;

/**
 * Process exit codes of the trainer, part of the contract with the operator. 1-127 are permanent
 * (retrying cannot help: fix the spec or the data); 128 and above are retryable (the operator
 * starts a new attempt that resumes from the newest checkpoint). The trainer's CLI exits with
 * these; the operator's {@code AttemptReader} classifies a terminated trainer container with
 * {@link #isPermanent(int)}.
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
  RETRYABLE(128, "a transient failure (out of memory; resources.gpus >= 1 but no GPU usable"
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

  /** 1-127: the trainer reported a problem that a new attempt cannot fix. */
  public static boolean isPermanent(int code) {
    return code >= 1 && code <= 127;
  }

  /** 128 and above (signals, {@link #RETRYABLE}, {@link #PREEMPTED}): a new attempt may succeed. */
  public static boolean isRetryable(int code) {
    return code >= 128;
  }
}
