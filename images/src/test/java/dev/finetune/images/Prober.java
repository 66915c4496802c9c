package dev.finetune.images;

import dev.finetune.operator.cluster.PodRuntime;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One probe of a container, as a kubelet's prober runs it: {@code httpGet} (a 2xx or 3xx answer),
 * {@code tcpSocket} (a connection) or {@code exec} (exit 0, through a {@code runner}), every {@code
 * periodSeconds} after {@code initialDelaySeconds}, each attempt bounded by {@code timeoutSeconds};
 * the result flips after {@code successThreshold} successes or {@code failureThreshold} failures in
 * a row. gRPC probes are refused.
 */
final class Prober {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final Probe probe;
  private final Container container;
  private final Function<List<String>, Integer> exec;
  private final long startedAt = System.nanoTime();
  private long nextAt;
  private int successes;
  private int failures;
  private boolean passing;
  private boolean everPassed;

  /**
   * @param exec runs a command in the container and returns its exit code (for {@code exec} probes)
   */
  Prober(Probe probe, Container container, Function<List<String>, Integer> exec) {
    if (probe.getGrpc() != null) {
      throw new PodRuntime.Refused(
          "container "
              + container.getName()
              + ": gRPC probes are not"
              + " supported (httpGet, tcpSocket, exec)");
    }
    if (probe.getHttpGet() == null && probe.getTcpSocket() == null && probe.getExec() == null) {
      throw new PodRuntime.Refused(
          "container " + container.getName() + ": a probe needs" + " httpGet, tcpSocket or exec");
    }
    if (probe.getHttpGet() != null
        && probe.getHttpGet().getScheme() != null
        && !"HTTP".equals(probe.getHttpGet().getScheme())) {
      throw new PodRuntime.Refused(
          "container "
              + container.getName()
              + ": httpGet scheme "
              + probe.getHttpGet().getScheme()
              + " is not supported (HTTP)");
    }
    this.probe = probe;
    this.container = container;
    if (probe.getHttpGet() != null) {
      port(probe.getHttpGet().getPort()); // a named port that does not exist is refused now
    } else if (probe.getTcpSocket() != null) {
      port(probe.getTcpSocket().getPort());
    }
    this.exec = exec;
    this.nextAt = startedAt + Duration.ofSeconds(or(probe.getInitialDelaySeconds(), 0)).toNanos();
  }

  /** Probes if one is due, then answers whether the probe passes. */
  boolean passing(String ip) {
    long now = System.nanoTime();
    if (now < nextAt) {
      return passing;
    }
    nextAt = now + Duration.ofSeconds(or(probe.getPeriodSeconds(), 10)).toNanos();
    if (attempt(ip)) {
      failures = 0;
      if (++successes >= or(probe.getSuccessThreshold(), 1)) {
        passing = true;
        everPassed = true;
      }
    } else {
      successes = 0;
      if (++failures >= or(probe.getFailureThreshold(), 3)) {
        passing = false;
      }
    }
    return passing;
  }

  /** Whether it has failed failureThreshold times in a row (liveness and startup). */
  boolean failedOut() {
    return failures >= or(probe.getFailureThreshold(), 3);
  }

  boolean everPassed() {
    return everPassed;
  }

  private boolean attempt(String ip) {
    Duration timeout = Duration.ofSeconds(or(probe.getTimeoutSeconds(), 1));
    try {
      if (probe.getHttpGet() != null) {
        String path = probe.getHttpGet().getPath() == null ? "/" : probe.getHttpGet().getPath();
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://" + ip + ":" + port(probe.getHttpGet().getPort()) + path))
                    .timeout(timeout)
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        return r.statusCode() >= 200 && r.statusCode() < 400;
      }
      if (probe.getTcpSocket() != null) {
        try (Socket s = new Socket()) {
          s.connect(
              new InetSocketAddress(ip, port(probe.getTcpSocket().getPort())),
              (int) timeout.toMillis());
          return true;
        }
      }
      return exec.apply(new ArrayList<>(probe.getExec().getCommand())) == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A probe's port: a number, or the name of one of the container's ports. */
  private int port(IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream()
        .filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(
            () ->
                new PodRuntime.Refused(
                    "container "
                        + container.getName()
                        + ": probe port \""
                        + port.getStrVal()
                        + "\" names no container port"));
  }

  private static int or(Integer value, int dflt) {
    return value == null ? dflt : value;
  }
}
