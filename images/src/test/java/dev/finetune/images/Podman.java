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
 * The podman command line, as users run it after bin/setup (no extra flags: runtime, cgroup manager
 * and ulimits come from the containers.conf drop-in bin/setup-podman writes), plus the tests'
 * network.
 *
 * <p>The network {@code finetune-it} (in a network config folder of the tests' own, for either
 * network backend: {@link #networkArgs()}) is a bridge whose only other end is the host at {@link
 * #hostAddress()}, with no default route and no NAT: a container on it reaches the servers the test
 * binds to that address and nothing else, as a pod whose NetworkPolicy admits only object storage.
 */
final class Podman {
  static final String NETWORK = "finetune-it";

  /** The host's address on the network: the gateway of its subnet ({@link #networkArgs()}). */
  private static String hostAddress = "10.89.7.1";

  static final Path ROOT =
      Path.of(System.getProperty("finetune.root", "..")).toAbsolutePath().normalize();
  private static Path networkDir;

  /** The container that keeps the network's bridge up ({@link #host(String)}). */
  private static String bridgeKeeper;

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
    Required.present(
        problem == null,
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
        Process p =
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          throw new AssertionError(
              String.join(" ", cmd)
                  + " did not finish in "
                  + timeout
                  + ":\n"
                  + Files.readString(out));
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

  /**
   * {@code --network-config-dir DIR --network finetune-it}, for {@code podman run}: the tests' own
   * network config folder, so the machine's podman configuration is never changed. What goes in it
   * depends on podman's network backend ({@link #networkBackend()}):
   *
   * <ul>
   *   <li>CNI (podman 4 without netavark, Debian 12's default): the conflist of src/test/resources,
   *       a bridge with the host as gateway address but no default route for containers and no NAT;
   *   <li>netavark (podman 4+ where it is installed, podman 5): podman writes its own network file
   *       with {@code podman network create --internal}: the same bridge, subnet and host address,
   *       no default route, no NAT. (netavark reads only its own JSON format, so handing it the
   *       conflist failed with "network not found".)
   * </ul>
   */
  static synchronized List<String> networkArgs() {
    if (networkDir == null) {
      try {
        Path dir = Files.createTempDirectory("finetune-net-");
        String backend = networkBackend();
        switch (backend) {
          case "cni" -> {
            try (InputStream in = Podman.class.getResourceAsStream("/finetune-it.conflist")) {
              Files.copy(
                  in, dir.resolve("finetune-it.conflist"), StandardCopyOption.REPLACE_EXISTING);
            }
          }
          case "netavark" -> hostAddress = createNetavarkNetwork(dir);
          default ->
              throw new AssertionError(
                  "podman's network backend is \""
                      + backend
                      + "\"; the image tests know cni and netavark");
        }
        networkDir = dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return List.of("--network-config-dir", networkDir.toString(), "--network", NETWORK);
  }

  /**
   * Creates the network in {@code dir} with netavark on the first free subnet of 10.89.7.0/24 to
   * 10.89.22.0/24 (podman refuses one that a host interface uses, such as the bridge the CNI
   * backend left behind) and returns the host's (gateway) address on it.
   */
  static String createNetavarkNetwork(Path dir) {
    Result last = null;
    for (int third = 7; third < 23; third++) {
      String gateway = "10.89." + third + ".1";
      last =
          run(Duration.ofSeconds(60), createNetworkArgs(dir, "10.89." + third + ".0/24", gateway));
      if (last.exit() == 0) {
        return gateway;
      }
      if (!last.output().contains("already used")) {
        break;
      }
    }
    last.check("podman network create " + NETWORK + " (netavark)");
    throw new IllegalStateException("unreachable");
  }

  /** The arguments that create the tests' network in {@code dir} with netavark. */
  static List<String> createNetworkArgs(Path dir, String subnet, String gateway) {
    return List.of(
        "--network-config-dir",
        dir.toString(),
        "network",
        "create",
        "--internal",
        "--disable-dns",
        "--subnet",
        subnet,
        "--gateway",
        gateway,
        NETWORK);
  }

  /**
   * {@code --network-config-dir DIR} followed by {@code args}: for commands that tear down a
   * container on the network ({@code stop}, {@code rm}), which must find the network as {@code
   * podman run} did, or they fail to release its address and leave the bridge behind.
   */
  static List<String> withNetworkConfig(String... args) {
    List<String> out = new ArrayList<>(networkArgs().subList(0, 2));
    out.addAll(List.of(args));
    return out;
  }

  /** The host's address on the tests' network, once {@link #networkArgs()} has run. */
  static synchronized String hostAddress() {
    return hostAddress;
  }

  /** {@code cni} or {@code netavark}: {@code podman info --format {{.Host.NetworkBackend}}}. */
  static String networkBackend() {
    return run(Duration.ofSeconds(60), "info", "--format", "{{.Host.NetworkBackend}}")
        .check("podman info")
        .output()
        .strip();
  }

  /**
   * The host's address on the network. The bridge (and so the address) exists only while a
   * container is on it: CNI leaves it behind when the last one exits, netavark removes it. So the
   * first call starts a container from {@code image} that only sleeps and keeps the bridge up until
   * this test JVM exits (a shutdown hook removes it); servers can then bind the address.
   */
  static synchronized InetAddress host(String image) {
    if (bridgeKeeper == null) {
      String name = "finetune-it-bridge-" + ProcessHandle.current().pid();
      List<String> args = new ArrayList<>(List.of("run", "--detach", "--rm", "--name", name));
      args.addAll(networkArgs());
      args.addAll(List.of("--entrypoint", "sleep", image, "infinity"));
      run(Duration.ofSeconds(120), args).check("podman run on network " + NETWORK);
      bridgeKeeper = name;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () ->
                      run(
                          Duration.ofSeconds(60),
                          withNetworkConfig("rm", "--force", "--time", "0", name))));
    }
    try {
      return InetAddress.getByName(hostAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
