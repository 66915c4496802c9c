package dev.finetune.operator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code kubectl} binary against a kubeconfig. */
public final class Kubectl {
  private Kubectl() {
  }

  /** How one kubectl call ended. */
  public record Result(List<String> args, int exitCode, String stdout, String stderr) {
    /** The result, or an AssertionError with the whole output when kubectl failed. */
    public Result ok() {
      if (exitCode != 0) {
        throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + exitCode
            + "\n" + stdout + stderr);
      }
      return this;
    }
  }

  static Result run(Path kubectl, Path kubeconfig, String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig",
        kubeconfig.toString()));
    cmd.addAll(List.of(args));
    try {
      Path in = Files.createTempFile("kubectl-", ".in");
      Path out = Files.createTempFile("kubectl-", ".out");
      Path err = Files.createTempFile("kubectl-", ".err");
      try {
        Files.writeString(in, stdin == null ? "" : stdin);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("KUBECONFIG");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new AssertionError("kubectl " + String.join(" ", args) + " hung for 120 s");
        }
        return new Result(List.of(args), p.exitValue(),
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
