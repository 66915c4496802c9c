package dev.finetune.images;

import dev.finetune.operator.cluster.PodRuntime;
import dev.finetune.operator.sim.TrainerContainer;
import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A pod's container under podman. Its end is watched by one {@code podman wait} process, so the
 * node agent's loop asks a child process, not podman, whether it still runs.
 */
final class PodmanContainer implements PodRuntime.Container {
  private static final Duration SIZE_CHECK = Duration.ofSeconds(10);
  private final String name;
  private final String id;
  private final Path dir;
  private final Container spec;
  private final PodVolumes volumes;
  private final Prober startup;
  private final Prober readiness;
  private final Prober liveness;
  private final Process wait;
  private final Path waitOut;
  private String ip;
  private long nextSizeCheck;

  private PodmanContainer(
      String name,
      String id,
      Path dir,
      Container spec,
      PodVolumes volumes,
      Prober startup,
      Prober readiness,
      Prober liveness,
      Process wait,
      Path waitOut) {
    this.name = name;
    this.id = id;
    this.dir = dir;
    this.spec = spec;
    this.volumes = volumes;
    this.startup = startup;
    this.readiness = readiness;
    this.liveness = liveness;
    this.wait = wait;
    this.waitOut = waitOut;
  }

  static PodmanContainer started(
      String name,
      String id,
      Path dir,
      Container spec,
      PodVolumes volumes,
      Prober startup,
      Prober readiness,
      Prober liveness)
      throws IOException {
    Path out = dir.resolve(name + ".exit");
    Process wait =
        new ProcessBuilder("podman", "wait", name)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    return new PodmanContainer(
        name, id, dir, spec, volumes, startup, readiness, liveness, wait, out);
  }

  String name() {
    return name;
  }

  @Override
  public boolean alive() {
    return wait.isAlive();
  }

  @Override
  public int exitCode() {
    try {
      String out = Files.readString(waitOut).strip();
      return Integer.parseInt(out.lines().reduce((a, b) -> b).orElseThrow());
    } catch (IOException | RuntimeException e) {
      return Integer.parseInt(inspect("{{.State.ExitCode}}"));
    }
  }

  @Override
  public void terminate() {
    Podman.run(Duration.ofSeconds(30), "kill", "--signal", "TERM", name);
  }

  @Override
  public void kill() {
    Podman.run(Duration.ofSeconds(30), "kill", "--signal", "KILL", name);
  }

  @Override
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    return wait.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public String message(int exitCode) {
    Path file = dir.resolve("termination-log");
    if ("FallbackToLogsOnError".equals(spec.getTerminationMessagePolicy())) {
      Path log = dir.resolve(name + ".log");
      try {
        Files.writeString(log, logs());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return TrainerContainer.message(file, log, exitCode);
    }
    return TrainerContainer.message(file, dir.resolve("no-log-fallback"), 0);
  }

  @Override
  public synchronized String ip() {
    if (ip == null || ip.isEmpty()) {
      ip = inspect("{{(index .NetworkSettings.Networks \"" + Podman.NETWORK + "\").IPAddress}}");
    }
    return ip;
  }

  @Override
  public boolean ready() {
    if (!alive()) {
      return false;
    }
    if (startup != null && !startup.everPassed()) {
      startup.passing(ip());
      if (!startup.everPassed()) {
        return false;
      }
    }
    return readiness == null || readiness.passing(ip());
  }

  @Override
  public boolean livenessFailed() {
    if (startup != null && !startup.everPassed()) {
      return startup.failedOut();
    }
    return liveness != null && !liveness.passing(ip()) && liveness.failedOut();
  }

  @Override
  public Optional<String> evictionReason() {
    long now = System.nanoTime();
    if (now < nextSizeCheck) {
      return Optional.empty();
    }
    nextSizeCheck = now + SIZE_CHECK.toNanos();
    return volumes.overLimit();
  }

  /**
   * Whether the kernel's OOM killer ended the container at its memory limit. Podman says so on
   * cgroup v2; with runc on cgroup v1 (these machines) it reports false, so the kernel's own record
   * is read too: an {@code oom-kill:} line whose {@code oom_memcg} is this container's cgroup
   * ({@code dmesg}, as root).
   */
  @Override
  public boolean oomKilled() {
    if ("true".equals(inspect("{{.State.OOMKilled}}"))) {
      return true;
    }
    try {
      Process p = new ProcessBuilder("dmesg").redirectErrorStream(true).start();
      String log =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return log.lines()
          .anyMatch(
              l ->
                  l.contains("oom-kill:")
                      && l.contains("oom_memcg=")
                      && l.contains("libpod-" + id));
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void remove() {
    Podman.run(
        Duration.ofSeconds(60), Podman.withNetworkConfig("rm", "--force", "--time", "0", name));
    wait.destroy();
  }

  /** The container's output so far ({@code podman logs}). */
  String logs() {
    return Podman.run(Duration.ofSeconds(60), "logs", name).output();
  }

  private String inspect(String format) {
    return Podman.run(Duration.ofSeconds(30), "inspect", "--format", format, name)
        .check("podman inspect " + name)
        .output()
        .strip();
  }
}
