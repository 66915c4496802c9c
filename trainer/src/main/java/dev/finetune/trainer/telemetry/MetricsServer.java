package dev.finetune.trainer.telemetry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@link TrainingMetrics}: {@code GET /metrics} answers what the scrape supplier
 * gives, as {@value TrainingMetrics#CONTENT_TYPE}; {@code GET /healthz} answers {@code 200 ok};
 * HEAD as GET without a body; any other path 404, any other method 405. It listens on {@code
 * 0.0.0.0:port} and runs on two daemon threads, so it never keeps the JVM alive.
 */
final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
  private static final String TEXT = "text/plain; charset=utf-8";

  private final Supplier<String> scrape;
  private final ExecutorService executor;
  private final HttpServer server;

  private MetricsServer(Supplier<String> scrape, ExecutorService executor, HttpServer server) {
    this.scrape = scrape;
    this.executor = executor;
    this.server = server;
  }

  /**
   * Binds {@code port} (0: a free one) and starts serving.
   *
   * @throws IOException if the port cannot be bound; no thread is left running then
   */
  static MetricsServer start(int port, Supplier<String> scrape) throws IOException {
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "metrics-http-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(port), 16);
    } catch (IOException e) {
      executor.shutdownNow();
      throw e;
    }
    MetricsServer s = new MetricsServer(scrape, executor, server);
    server.setExecutor(executor);
    server.createContext("/metrics", s::handleMetrics);
    server.createContext("/healthz", s::handleHealth);
    server.start();
    return s;
  }

  /** The bound port. */
  int port() {
    return server.getAddress().getPort();
  }

  /** Stops serving and frees the port; waits up to 2 s for the threads. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void handleMetrics(HttpExchange ex) throws IOException {
    try {
      if (!allowed(ex)) {
        return;
      }
      byte[] body;
      try {
        body = scrape.get().getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        LOG.warn("metrics scrape failed", e);
        respond(ex, 500, TEXT, ("scrape failed: " + e + "\n").getBytes(StandardCharsets.UTF_8));
        return;
      }
      respond(ex, 200, TrainingMetrics.CONTENT_TYPE, body);
    } finally {
      ex.close();
    }
  }

  private void handleHealth(HttpExchange ex) throws IOException {
    try {
      if (allowed(ex)) {
        respond(ex, 200, TEXT, "ok\n".getBytes(StandardCharsets.UTF_8));
      }
    } finally {
      ex.close();
    }
  }

  /** Only GET and HEAD on the exact path; answers 404/405 otherwise. */
  private static boolean allowed(HttpExchange ex) throws IOException {
    String ctx = ex.getHttpContext().getPath();
    if (!ctx.equals(ex.getRequestURI().getPath())) {
      respond(ex, 404, TEXT, "not found\n".getBytes(StandardCharsets.UTF_8));
      return false;
    }
    String method = ex.getRequestMethod();
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      ex.getResponseHeaders().set("Allow", "GET, HEAD");
      respond(ex, 405, TEXT, "method not allowed\n".getBytes(StandardCharsets.UTF_8));
      return false;
    }
    return true;
  }

  private static void respond(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if ("HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }
}
