package dev.finetune.operator.observe;

import java.util.Map;

/**
 * Which trainer exit codes are worth retrying. 1-127 are permanent. 128 (RETRYABLE), 129
 * (STORAGE_UNAVAILABLE), 143 (SIGTERM, checkpointed) and 137 (SIGKILL: OOM kill, node loss,
 * grace period exceeded) retry. Any other 128 + signal is a crash, e.g. 134 (SIGABRT from
 * libtorch on an input it cannot handle), which would repeat on the same input: permanent.
 * The trainer's {@code ExitCode.retryableExit} is the same table.
 */
final class ExitCodes {
  private static final Map<Integer, String> SIGNALS = Map.of(4, "SIGILL", 6, "SIGABRT",
      7, "SIGBUS", 8, "SIGFPE", 11, "SIGSEGV", 2, "SIGINT", 1, "SIGHUP", 3, "SIGQUIT");

  private ExitCodes() {}

  static boolean retryable(int code) {
    return code == 128 || code == 129 || code == 137 || code == 143;
  }

  /** The message for a crash: the trainer's own line if it left one, else the signal's name. */
  static String crashMessage(int code, String trainerMessage) {
    String signal = code > 128 ? SIGNALS.getOrDefault(code - 128, "signal " + (code - 128)) : null;
    String crash = "the trainer crashed (exit " + code + (signal == null ? "" : ", " + signal)
        + "); not retried because the same input would crash again";
    return trainerMessage == null || trainerMessage.isBlank() ? crash
        : trainerMessage + " (" + crash + ")";
  }
}
