package dev.finetune.trainer.data.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.TestHttpServer;
import dev.finetune.trainer.error.TrainerException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, classes 11 and 16: a server that sends one byte just inside each read timeout hits the
 * overall download deadline; HF_TOKEN goes only to the first URL's origin (scheme, host and port),
 * never to another port of the same host.
 */
class DownloadSafetyTest {
  @TempDir Path dir;

  @Test
  void aTricklingServerHitsTheDownloadDeadline() throws Exception {
    HttpServer slow =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    slow.createContext(
        "/",
        ex -> {
          try (ex) {
            ex.sendResponseHeaders(200, 1_000_000);
            OutputStream out = ex.getResponseBody();
            for (int i = 0; i < 1_000_000; i++) {
              out.write(0);
              out.flush();
              Thread.sleep(100); // well inside the 1 s read timeout
            }
          } catch (Exception stopped) {
            // the client gave up
          }
        });
    slow.start();
    try {
      RetryPolicy policy =
          new RetryPolicy(
              3,
              Duration.ofMillis(1),
              Duration.ofMillis(1),
              Duration.ofSeconds(1),
              Duration.ofMillis(1500));
      Fetcher f =
          new Fetcher(
              dir.resolve("cache"),
              b -> null,
              UriPolicy.parse("", "127.0.0.1"),
              Map.of(),
              ArchiveLimits.DEFAULT,
              policy);
      String url = "http://127.0.0.1:" + slow.getAddress().getPort() + "/big.bin";
      TrainerException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () -> assertThrows(TrainerException.class, () -> f.fetch("spec.dataset.train", url)));
      assertEquals(ExitCode.STORAGE_UNAVAILABLE, e.exitCode());
      assertTrue(e.getMessage().contains("download deadline of 1 s"), e.getMessage());
      assertTrue(e.getMessage().startsWith("spec.dataset.train: GET " + url), e.getMessage());
      try (Stream<Path> left = Files.walk(dir.resolve("cache"))) {
        assertEquals(
            List.of(),
            left.filter(Files::isRegularFile).toList(),
            "no partial download left in the cache");
      }
    } finally {
      slow.stop(0);
    }
  }

  @Test
  void theHfTokenStaysOnTheFirstOrigin() throws Exception {
    try (TestHttpServer hub = new TestHttpServer();
        TestHttpServer otherPort = new TestHttpServer()) {
      otherPort.files.put("/secret", new byte[] {1, 2, 3});
      hub.redirects.put(
          "/org/repo/resolve/main/model.safetensors",
          "http://127.0.0.1:" + otherPort.port() + "/secret");
      Fetcher f =
          new Fetcher(
              dir.resolve("cache"),
              b -> null,
              UriPolicy.parse("", "127.0.0.1"),
              Map.of("HF_ENDPOINT", hub.url("/"), "HF_TOKEN", "tok"),
              ArchiveLimits.DEFAULT,
              new RetryPolicy(
                  1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(5)));
      f.fetch("spec.model.pretrained.uri", "hf://org/repo");
      assertEquals(List.of("Bearer tok"), hub.authorizations);
      assertEquals(
          List.of(""),
          otherPort.authorizations,
          "same host, another port: another origin, no token");
    }
  }

  @Test
  void originsCompareSchemeHostAndPort() {
    java.net.URI a = java.net.URI.create("https://hub.example/x");
    assertTrue(HttpSource.sameOrigin(a, java.net.URI.create("https://HUB.example:443/y")));
    assertTrue(!HttpSource.sameOrigin(a, java.net.URI.create("http://hub.example/x")));
    assertTrue(!HttpSource.sameOrigin(a, java.net.URI.create("https://hub.example:8443/x")));
  }
}
