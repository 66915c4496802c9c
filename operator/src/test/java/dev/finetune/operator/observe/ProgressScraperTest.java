package dev.finetune.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reconcile's read of trainer progress never waits for the pod: against a real socket that
 * accepts and never answers (a default-deny NetworkPolicy that drops packets) and a real HTTP
 * server answering a trainer's exposition.
 */
class ProgressScraperTest {
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  /** A mutable clock: the interval logic without sleeping. */
  static final class StepClock extends Clock {
    volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void aBlockedTargetDoesNotDelayTheRead() throws Exception {
    try (ServerSocket blackhole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new CopyOnWriteArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                while (!blackhole.isClosed()) {
                  try {
                    held.add(blackhole.accept()); // accepted, never answered
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      StepClock clock = new StepClock();
      try (ProgressScraper scraper =
          new ProgressScraper(
              MetricsScraper.http(TIMEOUT),
              Duration.ofSeconds(30),
              2,
              100,
              clock,
              registry,
              owner -> {})) {
        var target =
            new ProgressScraper.Target("uid-1", "127.0.0.1", blackhole.getLocalPort(), "ns/job");
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
          assertEquals(Optional.empty(), scraper.latest(target));
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(
            tookMs < TIMEOUT.toMillis() / 2,
            "100 reads of a blocked pod took " + tookMs + " ms; a read must not scrape");
        // the one scrape (at most one in flight per pod) runs into its timeout in the background
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (registry
                    .find("finetune.operator.progress.scrape")
                    .tag("outcome", "failed")
                    .timer()
                    .count()
                == 0
            || scraper.inFlight() > 0) {
          assertTrue(System.nanoTime() < deadline, "the background scrape never finished");
          Thread.sleep(50);
        }
        var failed =
            registry.find("finetune.operator.progress.scrape").tag("outcome", "failed").timer();
        assertEquals(1, failed.count(), "one scrape in flight per pod, however often it is read");
        assertTrue(
            failed.totalTime(TimeUnit.MILLISECONDS) >= TIMEOUT.toMillis() - 100,
            "the background scrape waited for its timeout: "
                + failed.totalTime(TimeUnit.MILLISECONDS));
        // a failing pod backs off: one interval later it is not tried again, two later it is
        clock.now = clock.now.plusSeconds(31);
        scraper.latest(target);
        assertEquals(0, scraper.inFlight(), "no retry one interval after a failure");
        clock.now = clock.now.plusSeconds(30);
        scraper.latest(target);
        assertEquals(1, scraper.inFlight(), "retried two intervals after the failure");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (failed.count() < 2 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertEquals(2, failed.count(), "retried two intervals after the failure");
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void aSnapshotArrivesInTheBackgroundAndTellsItsOwner() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    byte[] body = TrainerMetricsTest.SAMPLE.getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/metrics",
        ex -> {
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    LinkedBlockingQueue<String> changed = new LinkedBlockingQueue<>();
    StepClock clock = new StepClock();
    try (ProgressScraper scraper =
        new ProgressScraper(
            MetricsScraper.http(TIMEOUT),
            Duration.ofSeconds(30),
            2,
            100,
            clock,
            new SimpleMeterRegistry(),
            changed::add)) {
      var target =
          new ProgressScraper.Target(
              "uid-2", "127.0.0.1", server.getAddress().getPort(), "team-a/ftj-1");
      assertEquals(Optional.empty(), scraper.latest(target), "nothing cached yet");
      assertEquals(
          "team-a/ftj-1",
          changed.poll(20, TimeUnit.SECONDS),
          "a new snapshot triggers a reconcile of its FineTuneJob");
      assertEquals(
          Optional.of(TrainerMetrics.parse(TrainerMetricsTest.SAMPLE)),
          scraper.latest(target),
          "the reconcile reads the cached snapshot");
      // the same numbers again an interval later: no further reconcile is triggered
      clock.now = clock.now.plusSeconds(31);
      scraper.latest(target);
      Thread.sleep(500);
      assertEquals(null, changed.poll(1, TimeUnit.SECONDS), "an unchanged snapshot is quiet");

      // a pod nobody asks about for ten intervals is forgotten
      var other =
          new ProgressScraper.Target(
              "uid-3", "127.0.0.1", server.getAddress().getPort(), "team-a/ftj-2");
      scraper.latest(other);
      assertEquals(2, scraper.size());
      for (int i = 0; i < ProgressScraper.MAX_BACKOFF + 3; i++) {
        clock.now = clock.now.plusSeconds(31);
        scraper.latest(other);
      }
      assertEquals(1, scraper.size(), "the pod that went away was dropped from the cache");
    } finally {
      server.stop(0);
    }
  }
}
