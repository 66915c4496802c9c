package dev.finetune.trainer.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.finetune.trainer.data.format.BadImageException;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.serve.Classifier.Pixels;
import dev.finetune.trainer.telemetry.TrainingMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KServe's Open Inference Protocol (v2 REST) for one {@link Classifier}, on the JDK's HTTP server,
 * plus {@code GET /metrics} ({@link ServeMetrics}):
 *
 * <ul>
 *   <li>{@code GET /v2/health/live}, {@code GET /v2/health/ready};
 *   <li>{@code GET /v2/models/{name}} (metadata), {@code GET /v2/models/{name}/ready};
 *   <li>{@code POST /v2/models/{name}/infer} ({@link InferenceProtocol}).
 * </ul>
 *
 * <p>Images are decoded on the HTTP threads, with the trainer's {@link ImageDecoder} and its pixel
 * limit, then classified by the {@link Batcher}. A bad request is answered with a 4xx and {@code
 * {"error": "one line"}}; no request can stop the server.
 */
public final class InferenceServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
  private static final String JSON = "application/json";
  private static final String V2 = "/v2/";
  private static final String MODELS = "/v2/models/";

  /** The server's limits and batching. */
  public record Settings(
      int port,
      int maxBodyBytes,
      int maxImages,
      long maxPixels,
      int maxBatch,
      Duration maxWait,
      int queue,
      int threads,
      Duration requestTimeout) {}

  private final Classifier classifier;
  private final String architecture;
  private final Settings settings;
  private final InferenceProtocol protocol;
  private final ImageDecoder decoder;
  private final ServeMetrics metrics;
  private final Batcher batcher;
  private final ExecutorService executor;
  private final HttpServer server;
  private volatile boolean ready;
  private final AtomicInteger inFlight = new AtomicInteger();

  private InferenceServer(Classifier classifier, String architecture, Settings settings)
      throws IOException {
    this.classifier = classifier;
    this.architecture = architecture;
    this.settings = settings;
    this.protocol = new InferenceProtocol(settings.maxBodyBytes(), settings.maxImages());
    this.decoder = new ImageDecoder(settings.maxPixels());
    this.metrics = new ServeMetrics(classifier.name());
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            settings.threads(),
            r -> {
              Thread t = new Thread(r, "serve-http-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(settings.port()), 64);
    } catch (IOException e) {
      executor.shutdownNow();
      metrics.close();
      throw e;
    }
    this.server = http;
    this.batcher =
        new Batcher(
            classifier::classify,
            settings.maxBatch(),
            settings.maxWait(),
            settings.queue(),
            metrics::batch);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /** Binds the port and starts answering; ready once started. */
  public static InferenceServer start(Classifier classifier, String architecture, Settings settings)
      throws IOException {
    InferenceServer s = new InferenceServer(classifier, architecture, settings);
    s.server.start();
    s.ready = true;
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Stops gracefully: not ready any more (so a load balancer stops sending), no new connections,
   * in-flight requests finish (up to {@code grace}), then the batcher and threads.
   */
  public void stop(Duration grace) {
    ready = false;
    // The JDK's HttpServer.stop(delay) waits the whole delay when connections stay open (JDK 17),
    // so wait for the requests in flight here and then stop at once.
    long deadline = System.nanoTime() + grace.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    server.stop(0);
    batcher.close(grace);
    executor.shutdown();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    metrics.close();
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(1));
  }

  private void handle(HttpExchange ex) {
    int status = 500;
    inFlight.incrementAndGet();
    try {
      status = route(ex);
    } catch (BadRequest e) {
      status = e.status();
      send(ex, status, protocol.error(e.getMessage()));
    } catch (RuntimeException | OutOfMemoryError e) {
      LOG.warn("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
      status = 500;
      send(ex, status, protocol.error("internal error: " + e.getClass().getSimpleName()));
    } finally {
      metrics.request(status);
      ex.close();
      inFlight.decrementAndGet();
    }
  }

  /** Answers the request and returns the status sent. */
  private int route(HttpExchange ex) {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    if (path.equals("/metrics")) {
      requireMethod(method, "GET");
      return send(
          ex, 200, TrainingMetrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }
    if (path.equals("/v2/health/live")) {
      requireMethod(method, "GET");
      return send(ex, 200, protocol.flag("live", true));
    }
    if (path.equals("/v2/health/ready")) {
      requireMethod(method, "GET");
      return send(ex, ready ? 200 : 503, protocol.flag("ready", ready));
    }
    if (path.equals("/v2") || path.equals(V2)) {
      requireMethod(method, "GET");
      return send(
          ex,
          200,
          ("{\"name\":\"finetune serve\",\"extensions\":[]}").getBytes(StandardCharsets.UTF_8));
    }
    if (path.startsWith(MODELS)) {
      String[] parts = path.substring(MODELS.length()).split("/", -1);
      String name = parts[0];
      String action =
          parts.length == 1 ? "" : String.join("/", List.of(parts).subList(1, parts.length));
      if (!name.equals(classifier.name())) {
        throw new BadRequest(
            404,
            "unknown model '" + clip(name) + "'; this server serves '" + classifier.name() + "'");
      }
      switch (action) {
        case "" -> {
          requireMethod(method, "GET");
          return send(ex, 200, protocol.metadata(name, architecture, classifier.classes().size()));
        }
        case "ready" -> {
          requireMethod(method, "GET");
          return send(ex, ready ? 200 : 503, protocol.flag("ready", ready));
        }
        case "infer" -> {
          requireMethod(method, "POST");
          return infer(ex);
        }
        default -> throw new BadRequest(404, "no such endpoint: " + clip(path));
      }
    }
    throw new BadRequest(404, "no such endpoint: " + clip(path));
  }

  private int infer(HttpExchange ex) {
    long start = System.nanoTime();
    if (!ready) {
      throw new BadRequest(503, "the server is shutting down");
    }
    InferenceProtocol.Request request = protocol.parse(body(ex));
    List<Pixels> pixels = new ArrayList<>(request.images().size());
    for (int i = 0; i < request.images().size(); i++) {
      try {
        pixels.add(
            classifier.prepare(
                decoder.decode(request.images().get(i), "inputs[0].data[" + i + "]")));
      } catch (BadImageException e) {
        throw new BadRequest(400, e.getMessage());
      }
    }
    List<Prediction> predictions;
    try {
      predictions =
          batcher.submit(pixels).get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BadRequest(503, "interrupted");
    } catch (TimeoutException e) {
      throw new BadRequest(503, "no answer within " + settings.requestTimeout().toSeconds() + " s");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof OutOfMemoryError || cause instanceof ai.djl.engine.EngineException) {
        throw new BadRequest(
            503,
            "the model could not run this batch: "
                + String.valueOf(cause.getMessage()).lines().findFirst().orElse(""));
      }
      throw new IllegalStateException("inference failed: " + cause, cause);
    }
    int status = send(ex, 200, protocol.response(classifier.name(), request.id(), predictions));
    metrics.inferred(System.nanoTime() - start);
    return status;
  }

  /** The request body, refused with 413 past the limit without reading the rest. */
  private byte[] body(HttpExchange ex) {
    int max = settings.maxBodyBytes();
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        throw new BadRequest(400, "Content-Length is not a number");
      }
      if (declared > max) {
        throw new BadRequest(
            413,
            "request body is "
                + declared
                + " bytes, more than the limit of "
                + max
                + " (--max-body)");
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (out.size() + n > max) {
          throw new BadRequest(
              413, "request body is more than the limit of " + max + " bytes (--max-body)");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new BadRequest(400, "cannot read the request body: " + e.getMessage());
    }
  }

  private static void requireMethod(String method, String allowed) {
    if (!allowed.equals(method)) {
      throw new BadRequest(405, "method " + clip(method) + " not allowed; use " + allowed);
    }
  }

  private static String clip(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  private static int send(HttpExchange ex, int status, byte[] body) {
    return send(ex, status, JSON, body);
  }

  private static int send(HttpExchange ex, int status, String type, byte[] body) {
    try {
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.toString());
    }
    return status;
  }
}
