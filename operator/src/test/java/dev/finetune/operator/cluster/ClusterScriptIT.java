package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.Command;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/cluster} itself: what it says when it cannot start (Go missing, a port taken, Kueue
 * without a cluster), and that {@code down} leaves no process and no folder behind, Kueue included.
 */
class ClusterScriptIT {
  static final Path SCRIPT = RealCluster.ROOT.resolve("bin/cluster");

  static Command.Result run(Map<String, String> env, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of(SCRIPT.toString()));
    cmd.addAll(List.of(args));
    return Command.run(cmd, env, null, Duration.ofSeconds(300));
  }

  @Test
  void withoutGoItSaysWhatToInstall(@TempDir Path tmp) throws Exception {
    // an empty binary cache forces a build; a PATH with no go on it
    Command.Result r =
        run(
            Map.of(
                "FINETUNE_CLUSTER_CACHE", tmp.resolve("cache").toString(), "PATH", "/usr/bin:/bin"),
            "build");
    assertNotEquals(0, r.exitCode());
    assertEquals(
        "cluster: Go is not installed: install Go 1.26 (https://go.dev/dl) and run" + " again",
        r.stderr().strip());
  }

  @Test
  void aTakenPortIsNamedAndNothingIsLeftRunning(@TempDir Path tmp) throws Exception {
    RealCluster.shared(); // the binaries are built
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path dir = tmp.resolve("c");
      Command.Result r =
          run(
              Map.of("FINETUNE_APISERVER_PORT", String.valueOf(taken.getLocalPort())),
              "up",
              dir.toString());
      assertNotEquals(0, r.exitCode());
      assertTrue(
          r.stderr()
              .contains(
                  "port "
                      + taken.getLocalPort()
                      + " on 127.0.0.1 is taken:"
                      + " free it, or choose another with FINETUNE_ETCD_PORT / FINETUNE_APISERVER_PORT"),
          r.stderr());
      assertTrue(processesFor(dir).isEmpty(), "no component was started");
    }
  }

  @Test
  void aFolderItDidNotMakeIsNeverUsedOrRemoved(@TempDir Path tmp) throws Exception {
    Path mine = Files.createDirectories(tmp.resolve("mine"));
    Path file = Files.writeString(mine.resolve("notes.txt"), "keep me");
    Command.Result up = run(Map.of(), "up", mine.toString());
    assertNotEquals(0, up.exitCode());
    assertEquals(
        "cluster: "
            + mine
            + " is not empty and was not made by bin/cluster: choose a"
            + " new or empty folder",
        up.stderr().strip());
    Command.Result down = run(Map.of(), "down", mine.toString());
    assertNotEquals(0, down.exitCode());
    assertEquals(
        "cluster: "
            + mine
            + " was not made by bin/cluster (no .finetune-cluster):"
            + " nothing stopped or removed",
        down.stderr().strip());
    assertEquals("keep me", Files.readString(file), "the folder and its file are untouched");
  }

  @Test
  void kueueWithoutAClusterSaysToStartOne(@TempDir Path tmp) throws Exception {
    RealCluster.shared();
    Path dir = tmp.resolve("none");
    Command.Result r = run(Map.of(), "kueue", dir.toString());
    assertNotEquals(0, r.exitCode());
    assertEquals(
        "cluster: no cluster runs in " + dir + ": bin/cluster up first", r.stderr().strip());
    assertFalse(Files.exists(dir), "nothing was made");
  }

  @Test
  void aPortThatIsNotANumberIsNamed(@TempDir Path tmp) throws Exception {
    RealCluster.shared();
    for (String bad : new String[] {"abc", "0", "70000"}) {
      Command.Result r =
          run(Map.of("FINETUNE_APISERVER_PORT", bad), "up", tmp.resolve("c-" + bad).toString());
      assertNotEquals(0, r.exitCode());
      assertTrue(
          r.stderr().contains("port '" + bad + "' is not a port number (1-65535)"), r.stderr());
    }
  }

  @Test
  void downStopsEveryComponentAndRemovesTheFolder(@TempDir Path tmp) throws Exception {
    RealCluster.shared();
    Path dir = tmp.resolve("c");
    Command.Result up = run(Map.of(), "up", dir.toString());
    assertEquals(0, up.exitCode(), up.stderr());
    assertEquals(dir.resolve("admin.kubeconfig").toString(), up.stdout().strip());
    Command.Result status = run(Map.of(), "status", dir.toString());
    assertEquals(0, status.exitCode(), status.stdout());
    assertEquals(
        4,
        processesFor(dir).size(),
        "etcd, apiserver, controller-manager, scheduler: " + processesFor(dir));
    Command.Result kueue = run(Map.of(), "kueue", dir.toString());
    assertEquals(0, kueue.exitCode(), kueue.stderr());
    assertTrue(run(Map.of(), "status", dir.toString()).stdout().contains("kueue running"));
    assertEquals(5, processesFor(dir).size(), "and Kueue: " + processesFor(dir));
    assertEquals(0, run(Map.of(), "down", dir.toString()).exitCode());
    assertFalse(Files.exists(dir), "down removes the folder");
    assertTrue(processesFor(dir).isEmpty(), "down stops every component");
    assertEquals(3, run(Map.of(), "status", dir.toString()).exitCode(), "not up");
  }

  /** Processes whose command line names {@code dir} (the components' flags all do). */
  static List<String> processesFor(Path dir) throws IOException {
    List<String> found = new java.util.ArrayList<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
          if (cmdline.contains(dir.toString() + "/") && !cmdline.contains("bin/cluster")) {
            found.add(p.getFileName() + ": " + cmdline);
          }
        } catch (IOException e) {
          // the process ended meanwhile
        }
      }
    }
    return found;
  }
}
