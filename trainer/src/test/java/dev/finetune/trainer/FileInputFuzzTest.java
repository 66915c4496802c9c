package dev.finetune.trainer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.finetune.trainer.data.fetch.ArchiveExtractor;
import dev.finetune.trainer.data.fetch.ArchiveLimits;
import dev.finetune.trainer.data.format.IdxReader;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.model.WeightsFile;
import dev.finetune.trainer.spec.JobLoader;
import dev.finetune.trainer.testing.Fuzzing;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;

/**
 * Run-level inputs (issue 24): not only arbitrary bytes but arbitrary file types behind a path a
 * user gives the CLI. The fuzzer picks what the path is (a regular file with its bytes, an empty or
 * a sparse huge file, a folder, a FIFO, a socket, /dev/zero, /dev/urandom, /dev/null, a link to one
 * of them, a dangling link, a link loop) and which reader opens it (manifest, weights, IDX, image,
 * archive). The property: the reader returns or fails with the product's typed error within a few
 * seconds; an OutOfMemoryError, another exception or a hang is a finding.
 */
@Tag("fuzz")
class FileInputFuzzTest {
  private static final ExecutorService READER =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fuzz-reader");
            t.setDaemon(true);
            return t;
          });

  private static final List<Consumer<Path>> READERS =
      List.of(
          p -> JobLoader.load(p),
          p -> WeightsFile.read(p, p.toString(), 1 << 20),
          p -> IdxReader.read(p, p),
          p -> new ImageDecoder().decode(p),
          p ->
              new ArchiveExtractor(new ArchiveLimits(1 << 20, 100, 1 << 20, 10))
                  .extract(p, "fuzz.zip", p.resolveSibling(p.getFileName() + "-x")));

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void read(FuzzedDataProvider data) throws Exception {
    Path dir = Files.createTempDirectory("fuzz-file");
    try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      Path path =
          dir.resolve(
              data.pickValue(
                  List.of(
                      "job.yaml",
                      "model.safetensors",
                      "train-images-idx3-ubyte",
                      "a.jpg",
                      "ds.zip",
                      "ds.tar.gz")));
      switch (data.consumeInt(0, 11)) {
        case 0 -> Files.write(path, data.consumeRemainingAsBytes());
        case 1 -> Files.createFile(path);
        case 2 -> {
          try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(data.consumeLong(1, 8L << 30)); // sparse: large, costs nothing on disk
          }
        }
        case 3 -> Files.createDirectories(path);
        case 4 -> mkfifo(path);
        case 5 -> socket.bind(UnixDomainSocketAddress.of(path));
        case 6 -> Files.createSymbolicLink(path, Path.of("/dev/zero"));
        case 7 -> Files.createSymbolicLink(path, Path.of("/dev/urandom"));
        case 8 -> Files.createSymbolicLink(path, Path.of("/dev/null"));
        case 9 -> Files.createSymbolicLink(path, dir.resolve("missing"));
        case 10 -> {
          Files.createSymbolicLink(path, dir.resolve("loop"));
          Files.createSymbolicLink(dir.resolve("loop"), path);
        }
        default -> {
          Path fifo = dir.resolve("fifo");
          mkfifo(fifo);
          Files.createSymbolicLink(path, fifo);
        }
      }
      Consumer<Path> reader = READERS.get(data.consumeInt(0, READERS.size() - 1));
      Future<?> run = READER.submit(() -> Fuzzing.typedErrorsOnly(() -> reader.accept(path)));
      try {
        run.get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        run.cancel(true);
        throw new AssertionError("a reader hung on " + describe(path), e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new AssertionError("a reader failed on " + describe(path), e.getCause());
      }
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void mkfifo(Path path) throws Exception {
    if (new ProcessBuilder("mkfifo", path.toString()).start().waitFor() != 0) {
      throw new IllegalStateException("mkfifo " + path);
    }
  }

  private static String describe(Path p) {
    return p
        + (Files.isSymbolicLink(p)
            ? " (a link)"
            : Files.isDirectory(p)
                ? " (a folder)"
                : Files.isRegularFile(p) ? " (a file)" : " (a device, FIFO or socket)");
  }
}
