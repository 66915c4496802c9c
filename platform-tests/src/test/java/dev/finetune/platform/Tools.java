package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.fail;

import dev.finetune.testsupport.Required;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The repository's root and the external tools the platform tests run. A missing tool skips the
 * test with a message naming the fix; under CI (CI=true) every missing tool fails the test instead,
 * naming it, so a broken setup cannot pass as skipped.
 */
final class Tools {
  private Tools() {}

  static Path root() {
    String root = System.getProperty("finetune.root");
    Path path = root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent();
    return path.toAbsolutePath().normalize();
  }

  static Optional<Path> onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** A tool that bin/setup installs: its absence fails the test ({@link Required}). */
  static Path require(String name, String howToInstall) {
    Optional<Path> tool = onPath(name);
    missing(tool.isEmpty(), name + " not found on PATH; " + howToInstall);
    return tool.orElseThrow();
  }

  /**
   * A tool that is not in Debian's archive (kubectl, which bin/setup builds with the test control
   * plane): its absence fails the test like any other ({@link Required}), so about 17 checks
   * (rbacIsLeastPrivilege among them) cannot pass as skipped.
   */
  static Path optional(String name, String why) {
    Optional<Path> tool = onPath(name);
    missing(tool.isEmpty(), name + " not found on PATH (" + why + ")");
    return tool.orElseThrow();
  }

  /** Fails naming what is missing, or skips where the developer opted in ({@link Required}). */
  static void missing(boolean isMissing, String message) {
    Required.present(!isMissing, message);
  }

  /** node with platform-tests/node_modules installed (bin/setup runs npm ci there). */
  static Path node() {
    Path node = require("node", "run bin/setup (Node.js 20+ is expected on the machine)");
    missing(
        !Files.isDirectory(root().resolve("platform-tests/node_modules/kubernetes-models")),
        "platform-tests/node_modules is missing; run bin/setup (npm ci --prefix platform-tests)");
    return node;
  }

  record Result(int exitCode, String output) {
    Result assertOk(String what) {
      if (exitCode != 0) {
        fail(what + " exited " + exitCode + ":\n" + output);
      }
      return this;
    }
  }

  /** Runs a command to completion (stdout and stderr merged). */
  static Result run(Path workDir, long timeoutSeconds, List<String> command) {
    try {
      Path log = Files.createTempFile("platform-tests", ".log");
      Process process =
          new ProcessBuilder(new ArrayList<>(command))
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(
            String.join(" ", command)
                + " did not finish in "
                + timeoutSeconds
                + " s:\n"
                + Files.readString(log, StandardCharsets.UTF_8));
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.delete(log);
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Result run(Path workDir, long timeoutSeconds, String... command) {
    return run(workDir, timeoutSeconds, List.of(command));
  }
}
