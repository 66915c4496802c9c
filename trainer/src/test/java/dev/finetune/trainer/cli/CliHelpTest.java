package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class CliHelpTest {
  @Test
  void everyOptionOfEveryCommandIsDocumented() {
    CommandLine cli = new CommandLine(new Main());
    for (CommandLine sub : cli.getSubcommands().values()) {
      for (OptionSpec option : sub.getCommandSpec().options()) {
        String text = String.join(" ", option.description());
        assertFalse(
            text.isBlank(), sub.getCommandName() + " " + option.longestName() + " has no help");
      }
    }
  }

  @Test
  void helpListsCommandsAndEveryExitCode() {
    String out = capture("--help");
    assertTrue(out.contains("train") && out.contains("validate") && out.contains("serve"), out);
    for (ExitCode code : ExitCode.values()) {
      assertTrue(out.contains(code.name()), code + " missing from --help");
    }
    String train = capture("train", "--help");
    for (String option :
        Arrays.asList(
            "--output",
            "--from-job",
            "--metrics-port",
            "--cpus",
            "--threads",
            "--data-workers",
            "--cache-dir",
            "--grace-period",
            "--no-progress",
            "--namespace")) {
      assertTrue(train.contains(option), option + " missing from train --help");
    }
    assertTrue(train.lines().allMatch(l -> l.length() <= 80), "help fits 80 columns:\n" + train);
    String serve = capture("serve", "--help");
    for (String option :
        Arrays.asList(
            "MODEL",
            "--from-job",
            "--port",
            "--max-batch",
            "--batch-wait",
            "--max-body",
            "--max-pixels",
            "/v2/models/NAME/infer")) {
      assertTrue(serve.contains(option), option + " missing from serve --help");
    }
    assertTrue(serve.lines().allMatch(l -> l.length() <= 80), "help fits 80 columns:\n" + serve);
  }

  @Test
  void serveNeedsExactlyOneModel() {
    assertEquals(ExitCode.USAGE.code(), Main.run("serve"));
    assertEquals(ExitCode.USAGE.code(), Main.run("serve", "out/x", "--from-job", "a=s3://b/a"));
    assertEquals(ExitCode.USAGE.code(), Main.run("serve", "out/x", "--max-batch", "0"));
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertEquals(ExitCode.USAGE.code(), Main.run("train", "--no-such-option", "x.yaml"));
  }

  private static String capture(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run(args));
    } finally {
      System.setOut(old);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
