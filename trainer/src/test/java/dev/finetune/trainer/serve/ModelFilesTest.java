package dev.finetune.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.testsupport.S3Server;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where serve finds a model: every place train leaves one, and one line when there is none. */
class ModelFilesTest {
  @TempDir Path dir;

  Path model(Path folder, String job) throws Exception {
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("model.json"), "{\"job\": \"" + job + "\"}");
    Files.write(folder.resolve("model.safetensors"), new byte[] {1, 2, 3});
    return folder;
  }

  @Test
  void findsTheModelWhereverTrainLeftIt() throws Exception {
    model(dir.resolve("final"), "a");
    model(dir.resolve("out/finetune"), "b");
    model(dir.resolve("ckpt/model"), "c");
    Map<String, String> env = Map.of();
    assertEquals(
        "a", ModelFiles.read(dir.resolve("final").toString(), env).metadata().get("job").asText());
    assertEquals(
        "b",
        ModelFiles.read(dir.resolve("out").toString(), env).metadata().get("job").asText(),
        "a train output folder: its finetune/");
    assertEquals(
        "c",
        ModelFiles.read(dir.resolve("ckpt").toUri().toString(), env).metadata().get("job").asText(),
        "a checkpoint location URI: its model/");
    ModelFiles fromStatus =
        ModelFiles.read(dir.resolve("ckpt/model/model.safetensors").toUri().toString(), env);
    assertEquals("c", fromStatus.metadata().get("job").asText(), "status.finalModelUri");
    assertArrayEquals(new byte[] {1, 2, 3}, fromStatus.weights());
  }

  /** A checkpoint location in a real S3 API server (s3proxy), as the operator's jobs leave it. */
  @Test
  void readsACheckpointLocationInS3AndItsFinalModelUri() throws Exception {
    try (S3Server s3 = S3Server.start("models")) {
      try (ObjectStore store = ObjectStores.open(s3.uri("runs/shapes"), s3.env())) {
        store.put("model/model.json", "{\"job\": \"shapes\"}".getBytes());
        store.put("model/model.safetensors", new byte[] {4, 5});
      }
      ModelFiles root = ModelFiles.read(s3.uri("runs/shapes"), s3.env());
      assertEquals("shapes", root.metadata().get("job").asText());
      assertArrayEquals(new byte[] {4, 5}, root.weights());
      assertTrue(root.uri().startsWith("s3://models/runs/shapes"), root.uri());
      ModelFiles status = ModelFiles.read(s3.uri("runs/shapes/model/model.safetensors"), s3.env());
      assertArrayEquals(new byte[] {4, 5}, status.weights());
      TrainerException e =
          assertThrows(
              TrainerException.class, () -> ModelFiles.read(s3.uri("runs/other"), s3.env()));
      assertEquals(ExitCode.NOT_FOUND, e.exitCode());
    }
  }

  @Test
  void noModelIsOneLineNamingWhatWasExpected() throws Exception {
    Files.createDirectories(dir.resolve("empty"));
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> ModelFiles.read(dir.resolve("empty").toString(), Map.of()));
    assertEquals(ExitCode.NOT_FOUND, e.exitCode());
    assertTrue(e.getMessage().contains("model.json") && !e.getMessage().contains("\n"));
    Files.writeString(dir.resolve("empty/model.json"), "{\"job\": \"x\"}");
    e =
        assertThrows(
            TrainerException.class,
            () -> ModelFiles.read(dir.resolve("empty").toString(), Map.of()));
    assertTrue(e.getMessage().contains("model.safetensors not found"), e.getMessage());
    Files.writeString(dir.resolve("empty/model.json"), "not json");
    e =
        assertThrows(
            TrainerException.class,
            () -> ModelFiles.read(dir.resolve("empty").toString(), Map.of()));
    assertEquals(ExitCode.WEIGHTS_INVALID, e.exitCode());
    e =
        assertThrows(
            TrainerException.class,
            () -> ModelFiles.read(dir.resolve("missing").toString(), Map.of()));
    assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
  }
}
