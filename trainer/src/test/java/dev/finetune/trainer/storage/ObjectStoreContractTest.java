package dev.finetune.trainer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.S3Settings;
import dev.finetune.trainer.storage.TestStores.Factory;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@link ObjectStore} contract, run against FileObjectStore and S3ObjectStore (s3proxy). */
class ObjectStoreContractTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static TestStores stores;
  @TempDir static Path tmp;

  /** Lowered multipart threshold so that a 6 MiB object is uploaded in 2 parts (5 + 1 MiB). */
  static final S3Settings SMALL_PARTS =
      S3Settings.defaults()
          .withRetryDeadline(Duration.ofSeconds(5))
          .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
          .withMultipart(S3Settings.MIB, S3Settings.MIN_PART_SIZE);

  @BeforeAll
  static void startS3() {
    stores = TestStores.start("contract", tmp);
  }

  @AfterAll
  static void stopS3() {
    stores.close();
  }

  static Stream<Arguments> stores() {
    return Stream.of(
        Arguments.of("file", stores.file("store-")),
        Arguments.of("s3", stores.s3(SMALL_PARTS)),
        Arguments.of("s3-bucket-root", stores.s3BucketRoot(SMALL_PARTS)));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void putReadOverwrite(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      store.put("a/b/c.txt", utf8("one"));
      assertArrayEquals(utf8("one"), store.read("a/b/c.txt").orElseThrow());
      store.put("a/b/c.txt", utf8("two!"));
      assertArrayEquals(utf8("two!"), store.read("a/b/c.txt").orElseThrow());
      store.put("empty", new byte[0]);
      assertArrayEquals(new byte[0], store.read("empty").orElseThrow());
      assertEquals(List.of("a/b/c.txt", "empty"), store.list(""));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void missingObjectsAreEmpty(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      assertTrue(store.read("nope").isEmpty());
      assertTrue(store.open("no/such/key").isEmpty());
      Path target = tmp.resolve("get-" + COUNTER.incrementAndGet());
      assertFalse(store.get("nope", target));
      assertFalse(Files.exists(target));
      store.delete("nope");
      assertEquals(List.of(), store.list(""));
      assertEquals(List.of(), store.list("x/"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void listIsSortedAndFiltersByPrefix(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      for (String k : List.of("b/1", "a/2", "ab", "a/1", "a/sub/x", "c")) {
        store.put(k, utf8(k));
      }
      assertEquals(List.of("a/1", "a/2", "a/sub/x", "ab", "b/1", "c"), store.list(""));
      assertEquals(List.of("a/1", "a/2", "a/sub/x"), store.list("a/"));
      assertEquals(List.of("a/1", "a/2", "a/sub/x", "ab"), store.list("a"));
      assertEquals(List.of("a/sub/x"), store.list("a/s"));
      assertEquals(List.of(), store.list("d/"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void deleteRemovesOnlyThatKey(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      store.put("d/x", utf8("x"));
      store.put("d/y", utf8("y"));
      store.delete("d/x");
      assertTrue(store.read("d/x").isEmpty());
      assertEquals(List.of("d/y"), store.list(""));
      store.delete("d/y");
      assertEquals(List.of(), store.list(""));
      store.put("d/z", utf8("z")); // the folder can be used again after it emptied
      assertEquals(List.of("d/z"), store.list("d/"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void putFileGetFileAndStream(String name, Factory f) throws Exception {
    byte[] data = new byte[300_000];
    new Random(1).nextBytes(data);
    Path src = tmp.resolve("src-" + COUNTER.incrementAndGet());
    Files.write(src, data);
    try (ObjectStore store = f.create()) {
      store.put("blob.bin", src);
      Path target = tmp.resolve("dl-" + COUNTER.incrementAndGet()).resolve("blob.bin");
      assertTrue(store.get("blob.bin", target));
      assertArrayEquals(data, Files.readAllBytes(target));
      try (InputStream in = store.open("blob.bin").orElseThrow()) {
        byte[] head = in.readNBytes(1000);
        assertArrayEquals(java.util.Arrays.copyOf(data, 1000), head);
        assertEquals(data.length - 1000, in.readAllBytes().length);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void largeObjectsUseMultipartAndRoundTrip(String name, Factory f) throws Exception {
    byte[] data = new byte[(int) (6 * S3Settings.MIB)];
    new Random(2).nextBytes(data);
    Path src = tmp.resolve("big-" + COUNTER.incrementAndGet());
    Files.write(src, data);
    try (ObjectStore store = f.create()) {
      store.put("big/bytes.bin", data);
      store.put("big/file.bin", src);
      assertArrayEquals(data, store.read("big/bytes.bin").orElseThrow());
      Path target = tmp.resolve("bigdl-" + COUNTER.incrementAndGet());
      assertTrue(store.get("big/file.bin", target));
      assertArrayEquals(data, Files.readAllBytes(target));
      assertEquals(List.of("big/bytes.bin", "big/file.bin"), store.list("big/"));
      if (store instanceof S3ObjectStore) {
        assertEquals(4, ((S3ObjectStore) store).multipartPartsUploaded(), "2 objects x 2 parts");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void rejectsUnsafeKeys(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      for (String bad : List.of("", "/abs", "../up", "a/../b", "a//b", "a/", "a\\b")) {
        assertThrows(IllegalArgumentException.class, () -> store.put(bad, new byte[1]), bad);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void uriNamesTheScheme(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      assertTrue(store.uri().startsWith(name.equals("file") ? "file:///" : "s3://"), store.uri());
      assertFalse(store.uri().endsWith("/"), store.uri());
    }
  }
}
