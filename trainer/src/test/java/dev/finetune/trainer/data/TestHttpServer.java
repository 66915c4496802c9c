package dev.finetune.trainer.data;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server serving byte arrays by path, with injectable 503 failures and redirects
 * (path to Location).
 */
public final class TestHttpServer implements AutoCloseable {
  private final HttpServer server;
  public final Map<String, byte[]> files = new ConcurrentHashMap<>();
  public final List<String> requests = new CopyOnWriteArrayList<>();
  public final AtomicInteger failuresLeft = new AtomicInteger();
  public final Map<String, String> redirects = new ConcurrentHashMap<>();

  /** The Authorization header of each request, "" when absent. */
  public final List<String> authorizations = new CopyOnWriteArrayList<>();

  public TestHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          try (ex) {
            String path = ex.getRequestURI().getPath();
            requests.add(path);
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            String location = redirects.get(path);
            if (location != null) {
              ex.getResponseHeaders().set("Location", location);
              ex.sendResponseHeaders(302, -1);
              return;
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
              ex.sendResponseHeaders(503, -1);
              return;
            }
            byte[] body = files.get(path);
            if (body == null) {
              ex.sendResponseHeaders(404, -1);
              return;
            }
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          }
        });
    server.start();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
