package dev.finetune.trainer.data.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.TestArchives;
import dev.finetune.trainer.data.TestArchives.Entry;
import dev.finetune.trainer.data.TestHttpServer;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FetcherTest {
  private static final RetryPolicy FAST =
      new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(4), Duration.ofSeconds(5));

  @TempDir Path dir;
  private TestHttpServer http;

  @BeforeEach
  void start() throws IOException {
    http = new TestHttpServer();
  }

  @AfterEach
  void stop() {
    http.close();
  }

  private Fetcher fetcher(Map<String, String> env) {
    return new Fetcher(
        dir.resolve("cache"),
        bucket -> new DirStore(dir.resolve("s3"), bucket),
        Fetcher.ALL_SCHEMES,
        env,
        ArchiveLimits.DEFAULT,
        FAST);
  }

  private Fetcher fetcher() {
    return fetcher(Map.of());
  }

  private static TrainerException fails(ExitCode code, Runnable r) {
    TrainerException e = assertThrows(TrainerException.class, r::run);
    assertEquals(code, e.exitCode(), e.getMessage());
    return e;
  }

  private List<Entry> dataset() {
    return List.of(
        Entry.file("data/train/cat/1.png", "c1"),
        Entry.file("data/train/dog/1.png", "d1"),
        Entry.file("data/test/cat/1.png", "c2"));
  }

  @Test
  void localDirectoryWithFragment() throws Exception {
    Files.createDirectories(dir.resolve("ds/train/cat"));
    Path p = fetcher().fetch("file://" + dir.resolve("ds") + "#train");
    assertEquals(dir.resolve("ds/train"), p);
    fails(ExitCode.NOT_FOUND, () -> fetcher().fetch("file://" + dir.resolve("ds") + "#nope"));
    fails(ExitCode.NOT_FOUND, () -> fetcher().fetch("file://" + dir.resolve("missing")));
    fails(ExitCode.INVALID_SPEC, () -> fetcher().fetch("file://" + dir.resolve("ds") + "#../x"));
  }

  @Test
  void localArchiveIsExtractedOnce() throws Exception {
    Path zip = TestArchives.zip(dir.resolve("ds.zip"), dataset());
    Path a = fetcher().fetch("file://" + zip + "#data/train");
    assertEquals("c1", Files.readString(a.resolve("cat/1.png")));
    Path b = fetcher().fetch("file://" + zip + "#data/test");
    assertEquals(a.getParent(), b.getParent());
  }

  @Test
  void zipAndTarGzOverHttpAreCachedByUrl() throws Exception {
    http.files.put(
        "/ds.zip", Files.readAllBytes(TestArchives.zip(dir.resolve("a.zip"), dataset())));
    http.files.put(
        "/ds.tar.gz", Files.readAllBytes(TestArchives.tarGz(dir.resolve("a.tgz"), dataset())));
    Path z = fetcher().fetch(http.url("/ds.zip") + "#data/train");
    assertEquals("d1", Files.readString(z.resolve("dog/1.png")));
    Path t = fetcher().fetch(http.url("/ds.tar.gz") + "#data/test");
    assertEquals("c2", Files.readString(t.resolve("cat/1.png")));
    assertEquals(2, http.requests.size());
    Path again = fetcher().fetch(http.url("/ds.zip") + "#data/test");
    assertEquals(2, http.requests.size(), "second fetch of the same URL must use the cache");
    assertEquals("c2", Files.readString(again.resolve("cat/1.png")));
  }

  @Test
  void retriesTransientErrorsThenGivesUp() throws Exception {
    http.files.put("/w.bin", new byte[] {1, 2, 3});
    http.failuresLeft.set(2);
    Path p = fetcher().fetch(http.url("/w.bin"));
    assertEquals(3, Files.size(p));
    assertEquals(3, http.requests.size());
    http.files.put("/x.bin", new byte[] {1});
    http.failuresLeft.set(3);
    TrainerException e =
        fails(ExitCode.STORAGE_UNAVAILABLE, () -> fetcher().fetch(http.url("/x.bin")));
    assertTrue(e.getMessage().contains("3 attempts"), e.getMessage());
  }

  @Test
  void notFoundAndConnectionRefused() throws Exception {
    fails(ExitCode.NOT_FOUND, () -> fetcher().fetch(http.url("/missing.zip")));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    fails(
        ExitCode.STORAGE_UNAVAILABLE, () -> fetcher().fetch("http://127.0.0.1:" + port + "/x.zip"));
  }

  @Test
  void schemesAreChecked() {
    TrainerException e = fails(ExitCode.UNSUPPORTED, () -> fetcher().fetch("ftp://h/x"));
    assertTrue(e.getMessage().contains("file://"), e.getMessage());
    fails(ExitCode.UNSUPPORTED, () -> fetcher().fetch("http://example.com/x.zip"));
    Fetcher onlyFile = new Fetcher(dir.resolve("c2"), b -> null, java.util.Set.of("file"));
    TrainerException s3 = fails(ExitCode.UNSUPPORTED, () -> onlyFile.fetch("s3://b/k"));
    assertTrue(s3.getMessage().contains("[file://]"), s3.getMessage());
  }

  @Test
  void huggingFaceUsesEndpoint() throws Exception {
    http.files.put("/org/repo/resolve/main/model.safetensors", new byte[] {9});
    http.files.put("/org/repo/resolve/main/sub/w.bin", new byte[] {8, 8});
    Fetcher f = fetcher(Map.of("HF_ENDPOINT", http.url("/")));
    assertEquals(1, Files.size(f.fetch("hf://org/repo")));
    assertEquals(2, Files.size(f.fetch("hf://org/repo/sub/w.bin")));
  }

  @Test
  void s3ObjectAndFolder() throws Exception {
    Path bucket = dir.resolve("s3/bkt");
    Files.createDirectories(bucket.resolve("ds/train/cat"));
    Files.writeString(bucket.resolve("ds/train/cat/1.png"), "c");
    Files.write(
        bucket.resolve("ds.zip"),
        Files.readAllBytes(TestArchives.zip(dir.resolve("a.zip"), dataset())));
    Path folder = fetcher().fetch("s3://bkt/ds#train");
    assertEquals("c", Files.readString(folder.resolve("cat/1.png")));
    Path zip = fetcher().fetch("s3://bkt/ds.zip#data/train");
    assertEquals("d1", Files.readString(zip.resolve("dog/1.png")));
    fails(ExitCode.NOT_FOUND, () -> fetcher().fetch("s3://bkt/nothing"));
  }

  /** A directory-backed fake of the S3 ObjectStore: bucket folder under root. */
  static final class DirStore implements ObjectStore {
    private final Path root;

    DirStore(Path root, String bucketUri) {
      this.root = root.resolve(bucketUri.substring("s3://".length()));
    }

    @Override
    public void put(String key, Path file) throws IOException {
      Files.createDirectories(root.resolve(key).getParent());
      Files.copy(file, root.resolve(key), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
      Files.createDirectories(root.resolve(key).getParent());
      Files.write(root.resolve(key), bytes);
    }

    @Override
    public boolean get(String key, Path target) throws IOException {
      Path p = root.resolve(key);
      if (!Files.isRegularFile(p)) {
        return false;
      }
      Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
      return true;
    }

    @Override
    public Optional<byte[]> read(String key) throws IOException {
      Path p = root.resolve(key);
      return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }

    @Override
    public Optional<InputStream> open(String key) throws IOException {
      Path p = root.resolve(key);
      return Files.isRegularFile(p) ? Optional.of(Files.newInputStream(p)) : Optional.empty();
    }

    @Override
    public List<String> list(String prefix) throws IOException {
      if (!Files.isDirectory(root)) {
        return List.of();
      }
      try (Stream<Path> s = Files.walk(root)) {
        return s.filter(Files::isRegularFile)
            .map(p -> root.relativize(p).toString())
            .filter(k -> k.startsWith(prefix))
            .sorted()
            .toList();
      }
    }

    @Override
    public void delete(String key) throws IOException {
      Files.deleteIfExists(root.resolve(key));
    }

    @Override
    public String uri() {
      return "s3://" + root.getFileName();
    }

    @Override
    public void close() {}
  }
}
