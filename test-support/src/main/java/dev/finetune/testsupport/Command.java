package dev.finetune.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program to its end with a bounded wait, its output in files, never in pipes. */
public final class Command {
  private Command() {}

  /** How a program ended. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    /** This result, or an AssertionError with the whole output when the program failed. */
    public Result ok() {
      if (exitCode != 0) {
        throw new AssertionError(
            String.join(" ", command) + " exited " + exitCode + "\n" + stdout + stderr);
      }
      return this;
    }
  }

  /**
   * Runs {@code command} with {@code env} added to this process's environment (a null value removes
   * a variable) and {@code stdin} (or nothing) as its input; an AssertionError if it outlives
   * {@code timeout}.
   */
  public static Result run(
      List<String> command, Map<String, String> env, String stdin, Duration timeout) {
    try {
      Path in = Files.createTempFile("command-", ".in");
      Path out = Files.createTempFile("command-", ".out");
      Path err = Files.createTempFile("command-", ".err");
      try {
        Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);
        ProcessBuilder pb =
            new ProcessBuilder(command)
                .redirectInput(in.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        env.forEach(
            (k, v) -> {
              if (v == null) {
                pb.environment().remove(k);
              } else {
                pb.environment().put(k, v);
              }
            });
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new AssertionError(
              String.join(" ", command)
                  + " did not end within "
                  + timeout
                  + "\n"
                  + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Result(
            List.copyOf(command),
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(in);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
