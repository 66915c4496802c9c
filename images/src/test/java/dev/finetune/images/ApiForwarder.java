package dev.finetune.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The {@code kubernetes} Service's endpoint for pods, as kube-proxy provides it: a TCP forwarder on
 * the host's address of the pod network that passes each connection to the API server on loopback.
 * TLS goes through untouched, so pods verify the API server's own certificate (its SANs include
 * {@code kubernetes.default.svc}, the name pods reach it by).
 */
final class ApiForwarder implements AutoCloseable {
  private final ServerSocket server;
  private final int target;

  private ApiForwarder(ServerSocket server, int target) {
    this.server = server;
    this.target = target;
  }

  /** Listens on a free port of {@code host} and forwards to 127.0.0.1:{@code apiPort}. */
  static ApiForwarder start(InetAddress host, int apiPort) {
    try {
      ServerSocket s = new ServerSocket();
      s.bind(new InetSocketAddress(host, 0), 64);
      ApiForwarder f = new ApiForwarder(s, apiPort);
      daemon(f::accept, "api-forwarder");
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket in = server.accept();
        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
        daemon(() -> pump(in, out), "api-forwarder-up");
        daemon(() -> pump(out, in), "api-forwarder-down");
      } catch (IOException e) {
        if (!server.isClosed()) {
          System.err.println("api-forwarder: " + e);
        }
      }
    }
  }

  /** Copies until either side closes, then closes both. */
  private static void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException closed) {
      // the other direction closed the sockets, or a side reset: the connection is over
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  private static void daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
