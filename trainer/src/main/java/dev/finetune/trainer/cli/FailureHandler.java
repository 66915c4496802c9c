package dev.finetune.trainer.cli;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.loop.StopSignal;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failure into one clear line on stderr and its exit code: permanent (1-127) or retryable
 * (128, 129, 143). Only unexpected exceptions print a stack trace.
 */
final class FailureHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
    if (NativeOutOfMemory.in(e)) {
      cli.getErr().println("error: " + NativeOutOfMemory.message(e));
      cli.getErr()
          .println("exit code " + ExitCode.RETRYABLE.code() + " (out of memory, retryable)");
      return ExitCode.RETRYABLE.code();
    }
    Throwable cause = e;
    while (cause.getCause() != null
        && !(cause instanceof TrainerException)
        && !(cause instanceof StopSignal.Preempted)) {
      cause = cause.getCause();
    }
    if (cause instanceof TrainerException t) {
      cli.getErr().println("error: " + t.getMessage());
      cli.getErr()
          .println(
              "exit code "
                  + t.exitCode().code()
                  + " ("
                  + t.exitCode().name()
                  + ", "
                  + (t.exitCode().retryable() ? "retryable" : "permanent")
                  + ")");
      return t.exitCode().code();
    }
    if (cause instanceof StopSignal.Preempted p) {
      cli.getErr()
          .println(
              "stopped: "
                  + p.getMessage()
                  + "; checkpoint written, exit "
                  + ExitCode.PREEMPTED.code()
                  + " (retryable)");
      return ExitCode.PREEMPTED.code();
    }
    if (cause instanceof OutOfMemoryError) {
      cli.getErr()
          .println(
              "error: out of memory; lower spec.training.batchSize or raise the" + " memory limit");
      return ExitCode.RETRYABLE.code();
    }
    cli.getErr().println("error: unexpected failure (a bug; please report it with this trace):");
    e.printStackTrace(cli.getErr());
    return ExitCode.INTERNAL.code();
  }
}
