package dev.finetune.trainer.error;

import dev.finetune.contract.ExitCode;

/**
 * A failure with a one-line, user-facing message that names the field or file at fault and what is
 * allowed, plus the exit code the process ends with.
 */
public class TrainerException extends RuntimeException {
  private final ExitCode exitCode;

  public TrainerException(ExitCode exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public TrainerException(ExitCode exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public ExitCode exitCode() {
    return exitCode;
  }
}
