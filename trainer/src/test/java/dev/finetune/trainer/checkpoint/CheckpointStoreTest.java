package dev.finetune.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.S3Settings;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.FileObjectStore;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.TestStores;
import dev.finetune.trainer.storage.TestStores.Factory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointStoreTest {
  private static TestStores stores;
  @TempDir static Path tmp;

  @BeforeAll
  static void startS3() {
    stores = TestStores.start("ckpt", tmp);
  }

  @AfterAll
  static void stopS3() {
    stores.close();
  }

  static Stream<Arguments> stores() {
    return stores.fileAndS3(S3Settings.defaults().withRetryDeadline(Duration.ofSeconds(5)));
  }

  static Stream<Arguments> corruptions() {
    List<Arguments> out = new ArrayList<>();
    for (Arguments store : stores().collect(Collectors.toList())) {
      for (String c : List.of("truncate", "flip", "delete", "garbageManifest", "badState")) {
        out.add(Arguments.of(store.get()[0], store.get()[1], c));
      }
    }
    return out.stream();
  }

  private static Map<String, byte[]> files(long step) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] weights = new byte[4096 + (int) step];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (byte) (i * 31 + step);
    }
    files.put("weights.safetensors", weights);
    files.put("optimizer/adam.bin", ("adam@" + step).getBytes(StandardCharsets.UTF_8));
    return files;
  }

  private static Map<String, Object> state(long step) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("learningRate", 0.001);
    s.put("seed", 42);
    s.put("step", step);
    s.put("classes", List.of("cat", "dog"));
    s.put("metrics", Map.of("loss", 0.5, "accuracy", 0.75));
    return s;
  }

  private static List<Long> steps(List<CheckpointInfo> infos) {
    return infos.stream().map(CheckpointInfo::step).collect(Collectors.toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void saveAndLoadRoundTrip(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      CheckpointStore ckpts = new CheckpointStore(store, 3);
      assertTrue(ckpts.newest().isEmpty());
      List<String> warnings = new ArrayList<>();
      assertTrue(ckpts.loadNewestValid(warnings::add).isEmpty());
      assertEquals(List.of(), warnings);

      CheckpointInfo info = ckpts.save(2, 120, files(120), state(120));
      assertEquals("ckpt-000000000120", info.name());
      assertEquals(store.uri() + "/checkpoints/ckpt-000000000120", info.uri());
      assertEquals(2, info.epoch());
      assertEquals(120, info.step());
      assertTrue(Duration.between(info.time(), Instant.now()).abs().toMinutes() < 5);
      assertEquals(
          List.of(
              "checkpoints/ckpt-000000000120/manifest.json",
              "checkpoints/ckpt-000000000120/optimizer/adam.bin",
              "checkpoints/ckpt-000000000120/state.json",
              "checkpoints/ckpt-000000000120/weights.safetensors",
              "checkpoints/ckpt-000000000120/writing.json"),
          store.list("checkpoints/"));

      LoadedCheckpoint loaded = ckpts.loadNewestValid(warnings::add).orElseThrow();
      assertEquals(List.of(), warnings);
      assertEquals(2, loaded.epoch());
      assertEquals(120, loaded.step());
      assertEquals(info, loaded.info());
      assertEquals(files(120).keySet(), loaded.files().keySet());
      assertArrayEquals(
          files(120).get("weights.safetensors"), loaded.files().get("weights.safetensors"));
      assertEquals(0.001, loaded.state().get("learningRate"));
      assertEquals(42, ((Number) loaded.state().get("seed")).intValue());
      assertEquals(List.of("cat", "dog"), loaded.state().get("classes"));
      assertEquals(0.75, ((Map<?, ?>) loaded.state().get("metrics")).get("accuracy"));
      assertEquals(Optional.of(info), ckpts.newest());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void keepsTheNewestThree(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      CheckpointStore ckpts = new CheckpointStore(store, 3);
      for (int i = 1; i <= 5; i++) {
        ckpts.save(i, i * 40L, files(i * 40L), state(i * 40L));
      }
      assertEquals(List.of(120L, 160L, 200L), steps(ckpts.listValid()));
      assertEquals(200, ckpts.newest().orElseThrow().step());
      assertTrue(store.list("checkpoints/ckpt-000000000040/").isEmpty());
      assertTrue(store.list("checkpoints/ckpt-000000000080/").isEmpty());
      assertEquals(200, ckpts.loadNewestValid(w -> {}).orElseThrow().step());
    }
  }

  @Test
  void manifestIsWrittenLastAndDeletionsComeAfterIt(@TempDir Path dir) throws Exception {
    RecordingStore store = new RecordingStore(new FileObjectStore(dir));
    CheckpointStore ckpts = new CheckpointStore(store, 1);
    ckpts.save(1, 10, files(10), state(10));
    store.ops.clear();
    ckpts.save(2, 20, files(20), state(20));
    String d = "checkpoints/ckpt-000000000020/";
    String old = "checkpoints/ckpt-000000000010/";
    assertEquals(
        List.of(
            "put " + d + "writing.json",
            "put " + d + "optimizer/adam.bin",
            "put " + d + "weights.safetensors",
            "put " + d + "state.json",
            "put " + d + "manifest.json",
            "delete " + old + "manifest.json",
            "delete " + old + "optimizer/adam.bin",
            "delete " + old + "state.json",
            "delete " + old + "weights.safetensors",
            "delete " + old + "writing.json"),
        store.ops);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void crashBeforeTheManifestKeepsThePreviousCheckpoint(String name, Factory f) throws Exception {
    try (RecordingStore store = new RecordingStore(f.create())) {
      CheckpointStore ckpts = new CheckpointStore(store, 1);
      ckpts.save(1, 10, files(10), state(10));
      store.ops.clear();
      store.failPut = k -> k.endsWith("/manifest.json");
      assertThrows(IOException.class, () -> ckpts.save(2, 20, files(20), state(20)));
      assertTrue(store.ops.stream().noneMatch(op -> op.startsWith("delete")), store.ops::toString);
      assertEquals(List.of(10L), steps(ckpts.listValid()));
      List<String> warnings = new ArrayList<>();
      LoadedCheckpoint loaded = ckpts.loadNewestValid(warnings::add).orElseThrow();
      assertEquals(10, loaded.step());
      assertEquals(List.of(), warnings, "a checkpoint without manifest is silently ignored");

      // A crash in the middle of the files is just as harmless.
      store.failPut = k -> k.endsWith("/weights.safetensors");
      assertThrows(IOException.class, () -> ckpts.save(3, 30, files(30), state(30)));
      assertEquals(10, ckpts.loadNewestValid(warnings::add).orElseThrow().step());

      // The next good save deletes the old checkpoint and the older incomplete leftovers.
      store.failPut = k -> false;
      ckpts.save(4, 40, files(40), state(40));
      assertEquals(List.of(40L), steps(ckpts.listValid()));
      assertTrue(
          store.list("checkpoints/").stream()
              .allMatch(k -> k.startsWith("checkpoints/ckpt-000000000040/")),
          store.list("").toString());
    }
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("corruptions")
  void corruptCheckpointsFallBackToThePreviousOne(String name, Factory f, String corruption)
      throws Exception {
    try (ObjectStore store = f.create()) {
      CheckpointStore ckpts = new CheckpointStore(store, 5);
      ckpts.save(1, 40, files(40), state(40));
      ckpts.save(2, 80, files(80), state(80));
      ckpts.save(3, 120, files(120), state(120));
      String d = "checkpoints/ckpt-000000000120/";
      String w = d + "weights.safetensors";
      byte[] weights = store.read(w).orElseThrow();
      String expectedFile;
      switch (corruption) {
        case "truncate":
          store.put(w, Arrays.copyOf(weights, weights.length - 10));
          expectedFile = "weights.safetensors has";
          break;
        case "flip":
          weights[100] ^= 0x01;
          store.put(w, weights);
          expectedFile = "weights.safetensors sha256 mismatch";
          break;
        case "delete":
          store.delete(d + "optimizer/adam.bin");
          expectedFile = "optimizer/adam.bin is missing";
          break;
        case "garbageManifest":
          store.put(d + "manifest.json", "{not json".getBytes(StandardCharsets.UTF_8));
          expectedFile = "manifest.json";
          break;
        case "badState":
          store.delete(d + "state.json");
          expectedFile = "state.json is missing";
          break;
        default:
          throw new AssertionError(corruption);
      }
      List<String> warnings = new ArrayList<>();
      LoadedCheckpoint loaded = ckpts.loadNewestValid(warnings::add).orElseThrow();
      assertEquals(80, loaded.step());
      assertEquals(2, loaded.epoch());
      assertArrayEquals(
          files(80).get("weights.safetensors"), loaded.files().get("weights.safetensors"));
      assertEquals(1, warnings.size(), warnings::toString);
      String msg = warnings.get(0);
      assertTrue(msg.startsWith("checkpoint ckpt-000000000120 is invalid: "), msg);
      assertTrue(msg.contains(expectedFile), msg);
      assertTrue(msg.endsWith("; falling back to ckpt-000000000080"), msg);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void allInvalidMeansEmpty(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      CheckpointStore ckpts = new CheckpointStore(store, 5);
      ckpts.save(1, 40, files(40), state(40));
      ckpts.save(2, 80, files(80), state(80));
      store.delete("checkpoints/ckpt-000000000040/weights.safetensors");
      store.put("checkpoints/ckpt-000000000080/state.json", new byte[] {1, 2, 3});
      List<String> warnings = new ArrayList<>();
      assertTrue(ckpts.loadNewestValid(warnings::add).isEmpty());
      assertEquals(2, warnings.size(), warnings::toString);
      assertTrue(
          warnings
              .get(0)
              .matches(
                  "checkpoint ckpt-000000000080 is invalid: state.json has 3"
                      + " bytes, manifest says [0-9]+; falling back to ckpt-000000000040"),
          warnings.get(0));
      assertEquals(
          "checkpoint ckpt-000000000040 is invalid: weights.safetensors is missing; no"
              + " older checkpoint to fall back to",
          warnings.get(1));
      // listValid is cheap: both manifests still parse.
      assertEquals(List.of(40L, 80L), steps(ckpts.listValid()));
    }
  }

  @Test
  void storageFailuresPropagateInsteadOfFallingBack(@TempDir Path dir) throws Exception {
    FileObjectStore base = new FileObjectStore(dir);
    CheckpointStore writer = new CheckpointStore(base, 3);
    writer.save(1, 40, files(40), state(40));
    writer.save(2, 80, files(80), state(80));
    RecordingStore flaky =
        new RecordingStore(base) {
          @Override
          public Optional<byte[]> read(String key) throws IOException {
            if (key.endsWith("ckpt-000000000080/weights.safetensors")) {
              throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, "unreachable");
            }
            return super.read(key);
          }
        };
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> new CheckpointStore(flaky, 3).loadNewestValid(w -> fail(w)));
    assertEquals(ExitCode.STORAGE_UNAVAILABLE, e.exitCode());
  }

  private static void fail(String warning) {
    throw new AssertionError("unexpected warning: " + warning);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void savingTheSameStepAgainReplacesIt(String name, Factory f) throws Exception {
    try (ObjectStore store = f.create()) {
      CheckpointStore ckpts = new CheckpointStore(store, 3);
      ckpts.save(1, 40, files(40), state(40));
      ckpts.save(1, 40, Map.of("weights.safetensors", new byte[] {9}), state(41));
      LoadedCheckpoint loaded = ckpts.loadNewestValid(CheckpointStoreTest::fail).orElseThrow();
      assertArrayEquals(new byte[] {9}, loaded.files().get("weights.safetensors"));
      assertEquals(41, ((Number) loaded.state().get("step")).intValue());
    }
  }

  @Test
  void rejectsReservedAndUnsafeFileNames(@TempDir Path dir) {
    CheckpointStore ckpts = new CheckpointStore(new FileObjectStore(dir), 3);
    for (String bad : List.of("manifest.json", "state.json", "../x", "/abs", "a//b")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> ckpts.save(0, 1, Map.of(bad, new byte[1]), Map.of()),
          bad);
    }
    assertThrows(IllegalArgumentException.class, () -> ckpts.save(0, -1, Map.of(), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> new CheckpointStore(ckpts.objectStore(), 0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void finalModelHasItsOwnManifestWrittenLast(String name, Factory f) throws Exception {
    try (RecordingStore store = new RecordingStore(f.create())) {
      FinalModelStore model = new FinalModelStore(store);
      assertEquals(store.uri() + "/model", model.uri());
      assertEquals(model.uri(), new CheckpointStore(store, 3).finalModelUri());
      model.save(
          Map.of("model.pt", new byte[] {1, 2}, "old-only.txt", new byte[] {3}),
          Map.of("accuracy", 0.9));
      store.ops.clear();
      model.save(
          Map.of(
              "model.pt",
              new byte[] {4, 5, 6},
              "classes.txt",
              "cat\ndog\n".getBytes(StandardCharsets.UTF_8)),
          Map.of("accuracy", 0.95, "epochs", 3));
      assertEquals(
          List.of(
              "put model/writing.json",
              "delete model/manifest.json",
              "put model/classes.txt",
              "put model/model.pt",
              "put model/manifest.json",
              "delete model/old-only.txt",
              "delete model/writing.json"),
          store.ops);
      assertEquals(
          List.of("model/classes.txt", "model/manifest.json", "model/model.pt"),
          store.list("model/"));
      String manifest =
          new String(store.read("model/manifest.json").orElseThrow(), StandardCharsets.UTF_8);
      assertTrue(manifest.contains("\"accuracy\" : 0.95"), manifest);
      assertTrue(manifest.contains(CheckpointStore.sha256(new byte[] {4, 5, 6})), manifest);
      assertTrue(manifest.contains("\"formatVersion\" : 1"), manifest);
    }
  }
}
