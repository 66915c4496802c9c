package dev.finetune.trainer.cli;

import dev.finetune.contract.ExitCode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code finetune}: the trainer's command line. */
@Command(
    name = "finetune",
    mixinStandardHelpOptions = true,
    version = "finetune 0.1.0 (DJL 0.33.0, PyTorch 2.5.1)",
    description =
        "Fine-tunes image models described by FineTuneJob manifests"
            + " (finetune.dev/v1alpha1), locally or inside a trainer pod.",
    subcommands = {
      TrainCommand.class,
      SweepCommand.class,
      ValidateCommand.class,
      ServeCommand.class,
      EngineCommand.class,
      JavaOptionsCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading =
        "%nExit codes (1-127 permanent; 128, 129, 137, 143 retryable; other signals permanent):%n",
    footer = "")
public final class Main implements Runnable {
  public static void main(String[] args) {
    try {
      LogLevel.apply(args, System.console() != null, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(ExitCode.USAGE.code());
    }
    System.exit(run(args));
  }

  /** The exit codes, then the environment variables the trainer reads. */
  static String[] footer() {
    List<String> lines = new ArrayList<>(List.of(ExitCodesHelp.lines()));
    lines.add("");
    lines.add("Environment variables:");
    lines.addAll(List.of(EnvironmentHelp.lines()));
    return lines.toArray(String[]::new);
  }

  /** Runs the command line and returns the exit code (tests call this). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.getCommandSpec().usageMessage().footer(footer());
    cli.getSubcommands().get("train").getCommandSpec().usageMessage().footer(footer());
    cli.setExecutionExceptionHandler(new FailureHandler());
    cli.setParameterExceptionHandler(
        (e, a) -> {
          e.getCommandLine().getErr().println("error: " + e.getMessage());
          e.getCommandLine().usage(e.getCommandLine().getErr());
          return ExitCode.USAGE.code();
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
