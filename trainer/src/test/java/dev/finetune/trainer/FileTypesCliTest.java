package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.cli.Main;
import dev.finetune.trainer.storage.StderrCapture;
import dev.finetune.trainer.testing.JobYaml;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24: one rule for every file the CLI reads from a user-supplied path. A device ({@code
 * /dev/zero}, {@code /dev/urandom}), a FIFO, a socket or a folder given as the manifest, as source
 * weights ({@code --from-job}) or as an IDX file ends fast with one "error:" line naming the path
 * and its exit code: no OutOfMemoryError, no stack trace, no hang. On the code before the fix,
 * {@code validate /dev/zero} ran out of memory (exit 1 with a trace) and a FIFO hung.
 */
class FileTypesCliTest {
  private static final Duration FAST = Duration.ofSeconds(20);
  @TempDir static Path dir;
  static Path fifo;
  static Path socket;
  static ServerSocketChannel server;
  static Path data;

  @BeforeAll
  static void specialFiles() throws Exception {
    // The CLI runs in a timeout thread below; load PyTorch here on the test thread first: libtorch
    // keeps grad mode per thread, and DJL turns it off only on the thread that loads the engine,
    // so a later test training on the main thread (DivergenceTest) would otherwise fail.
    ai.djl.engine.Engine.getInstance();
    fifo = dir.resolve("f.yaml");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertEquals(0, p.waitFor(), "mkfifo");
    socket = dir.resolve("s.yaml");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    data = SyntheticImageFolder.write(dir.resolve("ds"), 3, 2, 16, 3);
  }

  @AfterAll
  static void close() throws Exception {
    server.close();
  }

  record Run(int code, String err) {}

  static Run cli(String... args) {
    return assertTimeoutPreemptively(
        FAST,
        () -> {
          try (StderrCapture err = new StderrCapture()) {
            int code = Main.run(args);
            return new Run(code, err.text());
          }
        },
        "the CLI must not block on " + List.of(args));
  }

  static void oneLine(Run r, int code, String... contains) {
    assertEquals(code, r.code(), r.err());
    assertTrue(r.err().contains("error: "), r.err());
    for (String c : contains) {
      assertTrue(r.err().contains(c), "'" + c + "' in: " + r.err());
    }
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(r.err().contains("OutOfMemoryError"), r.err());
  }

  @Test
  void devicesAsTheManifestAreRefusedFast() {
    for (String device : List.of("/dev/zero", "/dev/urandom", "/dev/null")) {
      oneLine(cli("validate", device), 3, device, "not a regular file");
    }
    oneLine(
        cli("train", "/dev/zero", "-o", dir.resolve("x").toString(), "--metrics-port=-1"),
        3,
        "/dev/zero",
        "not a regular file");
  }

  @Test
  void aFifoSocketOrFolderAsTheManifestIsRefusedWithoutOpeningIt() {
    oneLine(cli("validate", fifo.toString()), 3, fifo.toString(), "device, FIFO or socket");
    oneLine(cli("validate", socket.toString()), 3, socket.toString(), "device, FIFO or socket");
    oneLine(cli("validate", dir.toString()), 3, dir.toString(), "a folder");
    oneLine(cli("validate", dir.resolve("missing.yaml").toString()), 9, "no such file");
  }

  @Test
  void aManifestOneByteOverTheBoundIsRefused() throws Exception {
    // The bound is checked while reading (devices report size 0), so it holds for files too.
    Path big = dir.resolve("big.yaml");
    Files.write(big, new byte[(1 << 20) + 1]);
    oneLine(cli("validate", big.toString()), 3, "more than 1048576 bytes");
  }

  @Test
  void fromJobWeightsThatAreDevicesOrFifosAreRefusedFast() throws Exception {
    Path job =
        JobYaml.small("lineage")
            .pretrainedFromJob("source")
            .imageFolder(data)
            .write(dir.resolve("lineage.yaml"));
    Path weightsFifo = dir.resolve("model.safetensors");
    assertEquals(0, new ProcessBuilder("mkfifo", weightsFifo.toString()).start().waitFor());
    for (String source : List.of("file:///dev/urandom", weightsFifo.toUri().toString())) {
      Run r =
          cli(
              "train",
              job.toString(),
              "-o",
              dir.resolve("out-from-job").toString(),
              "--metrics-port=-1",
              "--no-progress",
              "--cache-dir",
              dir.resolve("cache").toString(),
              "--from-job",
              "source=" + source);
      oneLine(r, 7, "--from-job source");
    }
  }

  @Test
  void idxFilesThatAreFifosAreRefusedFast() throws Exception {
    Path images = dir.resolve("train-images-idx3-ubyte");
    Path labels = dir.resolve("train-labels-idx1-ubyte");
    for (Path f : List.of(images, labels)) {
      assertEquals(0, new ProcessBuilder("mkfifo", f.toString()).start().waitFor());
    }
    Path job =
        JobYaml.small("idx")
            .format("idx")
            .dataset(images, images)
            .labelNames("a", "b")
            .write(dir.resolve("idx.yaml"));
    Run r =
        cli(
            "train",
            job.toString(),
            "-o",
            dir.resolve("out-idx").toString(),
            "--metrics-port=-1",
            "--no-progress",
            "--cache-dir",
            dir.resolve("cache").toString());
    oneLine(r, 5, images.toString(), "device, FIFO or socket");
  }
}
