package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.trainer.storage.StderrCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code --help} names every environment variable the trainer reads: the variables are found in the
 * trainer's and the contract's sources (string literals and picocli {@code ${env:...}} defaults),
 * so a new one that is not in {@link EnvironmentHelp} fails here.
 */
class EnvironmentHelpTest {
  static final Pattern VARIABLE =
      Pattern.compile("\"((?:FINETUNE|AWS|HF)_[A-Z0-9_]+)\"|env:((?:FINETUNE|AWS|HF)_[A-Z0-9_]+)");

  static Set<String> readBySources() throws IOException {
    Set<String> found = new TreeSet<>();
    for (Path root : new Path[] {Path.of("src/main/java"), Path.of("../crds/src/main/java")}) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = VARIABLE.matcher(Files.readString(f));
          while (m.find()) {
            found.add(m.group(1) != null ? m.group(1) : m.group(2));
          }
        }
      }
    }
    return found;
  }

  @Test
  void helpNamesEveryVariableTheTrainerReads() throws IOException {
    Set<String> read = readBySources();
    assertTrue(
        read.contains("FINETUNE_ALLOWED_SCHEMES")
            && read.contains("AWS_ENDPOINT_URL")
            && read.contains("HF_TOKEN"),
        "the scan finds the variables: " + read);
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String help;
    try (StderrCapture ignored = new StderrCapture()) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      Main.run("train", "--help");
    } finally {
      System.setOut(old);
    }
    help = out.toString(StandardCharsets.UTF_8);
    assertTrue(help.contains("Environment variables:"), help);
    Set<String> missing = new TreeSet<>();
    for (String v : read) {
      if (!EnvironmentHelp.VARIABLES.containsKey(v) || !help.contains(v)) {
        missing.add(v);
      }
    }
    assertTrue(
        missing.isEmpty(),
        "read by the trainer but not named by --help (add them to"
            + " EnvironmentHelp): "
            + missing);
  }
}
