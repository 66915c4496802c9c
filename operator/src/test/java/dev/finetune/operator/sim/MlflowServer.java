package dev.finetune.operator.sim;

import dev.finetune.testsupport.Required;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A real {@code mlflow server} from PyPI (bin/setup installs it into ~/.cache/finetune/mlflow-venv;
 * FINETUNE_MLFLOW names another executable) on a free loopback port, with a sqlite backend in a
 * temp folder. {@link #stop} and {@link #start} again keep the port and the database, as a registry
 * that went down and came back.
 */
public final class MlflowServer implements AutoCloseable {
  public static final Path DEFAULT =
      Path.of(System.getProperty("user.home"), ".cache/finetune/mlflow-venv/bin/mlflow");

  private final Path executable;
  private final Path dir;
  private final int port;
  private Process process;

  private MlflowServer(Path executable, Path dir, int port) {
    this.executable = executable;
    this.dir = dir;
    this.port = port;
  }

  /** Starts it; fails (through {@link Required}) when mlflow is not installed. */
  public static MlflowServer started() throws IOException, InterruptedException {
    String env = System.getenv("FINETUNE_MLFLOW");
    Path exe = env != null && !env.isBlank() ? Path.of(env) : DEFAULT;
    Required.present(
        Files.isExecutable(exe),
        "mlflow server at " + exe + " (bin/setup installs it into ~/.cache/finetune/mlflow-venv)");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    MlflowServer server = new MlflowServer(exe, Files.createTempDirectory("mlflow-it"), port);
    server.start();
    return server;
  }

  public String uri() {
    return "http://127.0.0.1:" + port;
  }

  public void start() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(
                executable.toString(),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--workers",
                "1",
                "--backend-store-uri",
                "sqlite:///" + dir.resolve("mlflow.db"),
                "--default-artifact-root",
                dir.resolve("artifacts").toUri().toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.log").toFile())
            .start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plusSeconds(90);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "mlflow server exited "
                + process.exitValue()
                + ": "
                + Files.readString(dir.resolve("server.log")));
      }
      try {
        var r =
            http.send(
                HttpRequest.newBuilder(URI.create(uri() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "mlflow server did not answer /health within 90 s: "
            + Files.readString(dir.resolve("server.log")));
  }

  /** Stops it and its workers; the port refuses connections until {@link #start}. */
  public void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor();
    }
    process = null;
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
