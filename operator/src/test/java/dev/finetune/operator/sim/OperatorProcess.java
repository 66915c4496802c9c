package dev.finetune.operator.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged operator ({@code target/quarkus-app/quarkus-run.jar}, production profile) as a child
 * JVM pointed at a {@link MockApiServer}: what a Deployment would run, so drills can SIGKILL it and
 * start a new one, and read its real RSS and start-up time.
 */
public final class OperatorProcess implements AutoCloseable {
  static final Path JAR =
      Path.of(System.getProperty("finetune.operator.jar", "target/quarkus-app/quarkus-run.jar"));
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int httpPort;
  private final Path log;
  private final long startedNanos = System.nanoTime();
  private long readyNanos;

  private OperatorProcess(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /**
   * Starts the operator JVM with {@code -Xmx} {@code heap}, the given extra {@code
   * finetune.operator.*}/Quarkus properties, and its log in {@code log}.
   */
  public static OperatorProcess start(
      MockApiServer api, String heap, Map<String, String> props, Path log) {
    return start(api, heap, props, log, "finetune-operator-0");
  }

  /**
   * As above, with {@code identity} as its leader-election identity (a pod name). Restarting with
   * the same identity is a container restart in the same pod: it takes the Lease back at once. Two
   * live processes need two identities, as two pods have two names.
   */
  public static OperatorProcess start(
      MockApiServer api, String heap, Map<String, String> props, Path log, String identity) {
    return start(
        Map.of(
            "quarkus.kubernetes-client.api-server-url",
            api.url(),
            "quarkus.kubernetes-client.trust-certs",
            "true",
            "quarkus.kubernetes-client.namespace",
            "default"),
        heap,
        props,
        log,
        identity);
  }

  /**
   * Starts the operator JVM against any API server: {@code client} holds the {@code
   * quarkus.kubernetes-client.*} settings (URL, CA file, token, namespace), as the pod's mounted
   * ServiceAccount token and CA would provide them in a cluster.
   */
  public static OperatorProcess start(
      Map<String, String> client,
      String heap,
      Map<String, String> props,
      Path log,
      String identity) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(
          JAR.toAbsolutePath()
              + " is missing: drills run in the"
              + " integration-test phase, after quarkus:build (mvn -pl operator -am verify)");
    }
    int port = SimulatedKubelet.freePort();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dfinetune.operator.leader-election.identity=" + identity));
    // Extra JVM flags for benchmarks, e.g. -Ddrill.operator.jvm="-XX:+UseSerialGC -Xss512k".
    for (String flag : System.getProperty("drill.operator.jvm", "").trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        cmd.add(flag);
      }
    }
    client.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new OperatorProcess(p, port, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code /q/health/ready} answers UP; returns the start-up time. */
  public Duration awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "operator exited with " + process.exitValue() + "\n" + tail());
      }
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(uri("/q/health/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("UP")) {
          readyNanos = System.nanoTime();
          return Duration.ofNanos(readyNanos - startedNanos);
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("operator not ready after " + timeout + "\n" + tail());
  }

  /** The loopback port of its HTTP server ({@code /q/metrics}, {@code /q/health}). */
  public int port() {
    return httpPort;
  }

  /** The Prometheus text of {@code /q/metrics}. */
  public String metrics() throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(uri("/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** JOSDK's reconciliations_started_total of this process (0 before its first reconcile). */
  public double reconciliationsStarted() throws IOException, InterruptedException {
    return metrics()
        .lines()
        .filter(l -> l.startsWith("reconciliations_started_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** A field of /proc/PID/status in kB, e.g. VmRSS (now) or VmHWM (peak). */
  public long procStatusKb(String field) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (l.startsWith(field + ":")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException(field + " not in /proc/" + process.pid() + "/status");
  }

  /** SIGKILL, as when a node dies or the container is OOM-killed; waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      List<String> causes =
          lines.stream()
              .filter(l -> l.contains(" ERROR ") || l.startsWith("Caused by:"))
              .limit(20)
              .toList();
      return String.join("\n", causes)
          + "\n...\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
