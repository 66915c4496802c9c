package dev.finetune.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.S3Settings;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.TestStores;
import dev.finetune.trainer.storage.TestStores.Factory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 11, class 2: a checkpoint location that already holds a user's files. The trainer deletes
 * only what its own manifests (or writing.json) list; everything else stays. Run against a folder
 * (file://) and a real S3 API server (s3proxy).
 */
class ForeignFilesTest {
  private static TestStores stores;
  @TempDir static Path tmp;

  @BeforeAll
  static void startS3() {
    stores = TestStores.start("foreign", tmp);
  }

  @AfterAll
  static void stopS3() {
    stores.close();
  }

  static Stream<Arguments> stores() {
    return stores.fileAndS3(S3Settings.defaults().withRetryDeadline(Duration.ofSeconds(5)));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, byte[]> files(long step) {
    return Map.of(
        "weights.safetensors",
        utf8("weights " + step),
        "optimizer.safetensors",
        utf8("optimizer " + step));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void userFilesUnderModelSurviveFinalModelWrites(String kind, Factory factory) throws Exception {
    try (ObjectStore store = factory.create()) {
      store.put("model/notes.txt", utf8("my notes"));
      store.put("model/previous/best.safetensors", utf8("my best model"));
      store.put("model/model.onnx", utf8("an export of mine"));
      FinalModelStore model = new FinalModelStore(store);
      model.save(Map.of("model.safetensors", utf8("v1"), "extra.bin", utf8("x")), Map.of());
      model.save(Map.of("model.safetensors", utf8("v2")), Map.of());
      assertArrayEquals(utf8("my notes"), store.read("model/notes.txt").orElseThrow());
      assertArrayEquals(
          utf8("my best model"), store.read("model/previous/best.safetensors").orElseThrow());
      assertArrayEquals(utf8("an export of mine"), store.read("model/model.onnx").orElseThrow());
      assertArrayEquals(utf8("v2"), store.read("model/model.safetensors").orElseThrow());
      assertFalse(
          store.read("model/extra.bin").isPresent(),
          "a file of the trainer's previous model that the new one lacks is removed");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void foreignCheckpointFoldersAndFilesSurviveRetention(String kind, Factory factory)
      throws Exception {
    try (ObjectStore store = factory.create()) {
      // A manifest-less ckpt-* folder of someone else's, older than anything the trainer writes.
      store.put("checkpoints/ckpt-000000000001/weights.bin", utf8("theirs"));
      store.put("checkpoints/ckpt-000000000001/README", utf8("do not delete"));
      // A file of the user's inside a checkpoint folder of the trainer's.
      CheckpointStore cs = new CheckpointStore(store, 1);
      cs.save(1, 10, files(10), Map.of());
      store.put("checkpoints/ckpt-000000000010/user-notes.txt", utf8("mine"));
      // Another tool's file next to the checkpoints.
      store.put("checkpoints/index.txt", utf8("an index"));
      cs.save(2, 20, files(20), Map.of());
      cs.save(3, 30, files(30), Map.of());

      assertArrayEquals(
          utf8("theirs"), store.read("checkpoints/ckpt-000000000001/weights.bin").orElseThrow());
      assertArrayEquals(
          utf8("do not delete"), store.read("checkpoints/ckpt-000000000001/README").orElseThrow());
      assertArrayEquals(
          utf8("mine"), store.read("checkpoints/ckpt-000000000010/user-notes.txt").orElseThrow());
      assertArrayEquals(utf8("an index"), store.read("checkpoints/index.txt").orElseThrow());
      // The trainer's own old checkpoints are gone, apart from the user's file.
      assertEquals(
          List.of("checkpoints/ckpt-000000000010/user-notes.txt"),
          store.list("checkpoints/ckpt-000000000010/"));
      assertTrue(store.list("checkpoints/ckpt-000000000020/").isEmpty());
      assertEquals(List.of(30L), cs.listValid().stream().map(CheckpointInfo::step).toList());
    }
  }
}
