package dev.finetune.images;

import dev.finetune.testsupport.Required;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The podman command line, as users run it after bin/setup (no extra flags: runtime, cgroup
 * manager and ulimits come from the containers.conf drop-in bin/setup-podman writes), plus the
 * tests' network.
 *
 * <p>The network {@code finetune-it} (src/test/resources/finetune-it.conflist, in a network config
 * folder of the tests' own) is a bridge whose only other end is the host at {@link #HOST}, with
 * no default route and no NAT: a container on it reaches the servers the test binds to that
 * address and nothing else, as a pod whose NetworkPolicy admits only object storage.
 */
final class Podman {
  static final String NETWORK = "finetune-it";
  static final String HOST = "10.89.7.1";
  static final Path ROOT = Path.of(System.getProperty("finetune.root", "..")).toAbsolutePath()
      .normalize();
  private static Path networkDir;

  private Podman() {}

  /** A finished podman command: exit code and its stdout + stderr. */
  record Result(int exit, String output) {
    Result check(String what) {
      if (exit != 0) {
        throw new AssertionError(what + " failed with exit code " + exit + ":\n" + output);
      }
      return this;
    }
  }

  /**
   * Fails the calling test when podman cannot run containers here, with a message naming the fix
   * (it skips only where a developer opted in, {@link Required}).
   */
  static void require() {
    String problem;
    try {
      Result r = run(Duration.ofSeconds(60), "info", "--format", "{{.Host.OCIRuntime.Name}}");
      problem = r.exit() == 0 ? null : "podman info failed: " + r.output().strip();
    } catch (UncheckedIOException e) {
      problem = "podman is not installed";
    }
    Required.present(problem == null,
        problem + " (bin/setup installs and configures podman, runc and mmdebstrap)");
  }

  /** Runs {@code podman ARGS} and waits for it; fails after the timeout. */
  static Result run(Duration timeout, String... args) {
    return run(timeout, List.of(args));
  }

  static Result run(Duration timeout, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("podman");
    cmd.addAll(args);
    return exec(cmd, timeout);
  }

  static Result exec(List<String> cmd, Duration timeout) {
    try {
      Path out = Files.createTempFile("podman-", ".log");
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(out.toFile()).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeout
              + ":\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code --network-config-dir DIR --network finetune-it}, for {@code podman run}. */
  static synchronized List<String> networkArgs() {
    if (networkDir == null) {
      try (InputStream in = Podman.class.getResourceAsStream("/finetune-it.conflist")) {
        networkDir = Files.createTempDirectory("finetune-cni-");
        Files.copy(in, networkDir.resolve("finetune-it.conflist"),
            StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return List.of("--network-config-dir", networkDir.toString(), "--network", NETWORK);
  }

  /**
   * The host's address on the network. The bridge (and so the address) exists once a container
   * has joined it: this starts one from {@code image} first.
   */
  static InetAddress host(String image) {
    List<String> args = new ArrayList<>(List.of("run", "--rm"));
    args.addAll(networkArgs());
    args.addAll(List.of("--entrypoint", "true", image));
    run(Duration.ofSeconds(120), args).check("podman run on network " + NETWORK);
    try {
      return InetAddress.getByName(HOST);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
