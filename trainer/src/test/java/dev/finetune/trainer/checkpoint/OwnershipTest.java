package dev.finetune.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.RunIdentity;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.FileObjectStore;
import dev.finetune.trainer.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11, class 1: manifests record the run's identity; another run's files are refused. */
class OwnershipTest {
  @TempDir Path tmp;

  private static final Set<String> MODEL = Set.of("model.safetensors", "model.json");

  static RunIdentity identity(String job, String lr, List<String> classes) {
    Map<String, String> spec = new TreeMap<>();
    spec.put("spec.training.learningRate", lr);
    spec.put("spec.training.seed", "0");
    return new RunIdentity(job, "local", "finetune", "resnet18", classes, "sha256:d", "", spec);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void sameIdentityResumesAndAnyDifferenceIsRefusedNamingIt() throws Exception {
    RunIdentity a = identity("hotdog", "0.01", List.of("hotdog", "not"));
    try (ObjectStore store = new FileObjectStore(tmp.resolve("run"))) {
      CheckpointStore cs = new CheckpointStore(store, 2, a);
      cs.save(1, 5, Map.of("weights.safetensors", utf8("w")), Map.of());
      FinalModelStore model = new FinalModelStore(store, a);
      model.save(Map.of("model.safetensors", utf8("m"), "model.json", utf8("{}")), Map.of());
      model.checkOwnership(MODEL);
      assertTrue(cs.loadNewestValid(null).isPresent());

      record Case(RunIdentity other, String named) {}
      for (Case c :
          List.of(
              new Case(identity("hotdog", "0.02", a.classes()), "spec.training.learningRate"),
              new Case(identity("hotdog-kueue", "0.01", a.classes()), "job"),
              new Case(identity("hotdog", "0.01", List.of("hotdog", "not", "pizza")), "classes"),
              new Case(
                  new RunIdentity(
                      "hotdog",
                      "team-b",
                      "finetune",
                      "resnet18",
                      a.classes(),
                      "sha256:d",
                      "",
                      a.recipe()),
                  "namespace"),
              new Case(
                  new RunIdentity(
                      "hotdog",
                      "local",
                      "finetune",
                      "resnet50",
                      a.classes(),
                      "sha256:d",
                      "",
                      a.recipe()),
                  "architecture"),
              new Case(
                  new RunIdentity(
                      "hotdog",
                      "local",
                      "finetune",
                      "resnet18",
                      a.classes(),
                      "sha256:other",
                      "",
                      a.recipe()),
                  "datasetDigest"))) {
        CheckpointStore other = new CheckpointStore(store, 2, c.other());
        TrainerException e =
            assertThrows(
                TrainerException.class,
                () -> new FinalModelStore(store, c.other()).checkOwnership(MODEL),
                c.named());
        assertEquals(ExitCode.RUN_MISMATCH, e.exitCode());
        assertTrue(e.getMessage().contains(c.named()), e.getMessage());
        assertTrue(
            e.getMessage().startsWith(cs.checkpointUri("ckpt-000000000005")), e.getMessage());
        // Even without the preflight, loading refuses rather than resuming.
        assertEquals(
            ExitCode.RUN_MISMATCH,
            assertThrows(TrainerException.class, () -> other.loadNewestValid(null)).exitCode());
      }
    }
  }

  @Test
  void finalModelOfAnotherRunOrForeignModelFileIsRefused() throws Exception {
    RunIdentity a = identity("a", "0.01", List.of("x", "y"));
    try (ObjectStore store = new FileObjectStore(tmp.resolve("model-only"))) {
      new FinalModelStore(store, a).save(Map.of("model.safetensors", utf8("m")), Map.of());
      TrainerException e =
          assertThrows(
              TrainerException.class,
              () ->
                  new FinalModelStore(store, identity("a", "0.5", a.classes()))
                      .checkOwnership(MODEL));
      assertTrue(e.getMessage().contains("final model"), e.getMessage());
    }
    try (ObjectStore store = new FileObjectStore(tmp.resolve("users-folder"))) {
      store.put("model/model.safetensors", utf8("the user's own model"));
      TrainerException e =
          assertThrows(
              TrainerException.class, () -> new FinalModelStore(store, a).checkOwnership(MODEL));
      assertEquals(ExitCode.RUN_MISMATCH, e.exitCode());
      assertTrue(e.getMessage().contains("not written by this trainer"), e.getMessage());
    }
    try (ObjectStore store = new FileObjectStore(tmp.resolve("legacy"))) {
      new CheckpointStore(store, 1).save(1, 1, Map.of("w", utf8("w")), Map.of());
      TrainerException e =
          assertThrows(
              TrainerException.class, () -> new FinalModelStore(store, a).checkOwnership(MODEL));
      assertTrue(e.getMessage().contains("no run identity"), e.getMessage());
    }
  }

  /**
   * Issue 24: exit 11 is documented as "files the trainer did not write"; a foreign file under
   * model/ that no save would overwrite used to be only logged. Now it is refused before anything
   * is written, naming the file.
   */
  @Test
  void anyForeignFileUnderModelIsRefusedEvenIfNothingWouldOverwriteIt() throws Exception {
    RunIdentity a = identity("a", "0.01", List.of("x", "y"));
    try (ObjectStore store = new FileObjectStore(tmp.resolve("notes"))) {
      FinalModelStore model = new FinalModelStore(store, a);
      model.save(Map.of("model.safetensors", utf8("m")), Map.of());
      model.checkOwnership(MODEL); // only its own files: the same run may go on
      store.put("model/notes.txt", utf8("my notes"));
      TrainerException e = assertThrows(TrainerException.class, () -> model.checkOwnership(MODEL));
      assertEquals(ExitCode.RUN_MISMATCH, e.exitCode());
      assertTrue(e.getMessage().contains("did not write: [notes.txt]"), e.getMessage());
      assertEquals(
          "my notes",
          new String(store.read("model/notes.txt").orElseThrow(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void interruptedSavesOfTheTrainerAreCleanedUp() throws Exception {
    RunIdentity a = identity("a", "0.01", List.of("x", "y"));
    try (ObjectStore store = new FileObjectStore(tmp.resolve("interrupted"))) {
      store.put(
          "checkpoints/ckpt-000000000003/writing.json",
          utf8("{\"files\":[\"weights.safetensors\",\"state.json\",\"manifest.json\"]}"));
      store.put("checkpoints/ckpt-000000000003/weights.safetensors", utf8("partial"));
      new FinalModelStore(store, a).checkOwnership(MODEL);
      new CheckpointStore(store, 1, a)
          .save(1, 9, Map.of("weights.safetensors", utf8("w")), Map.of());
      assertTrue(store.list("checkpoints/ckpt-000000000003/").isEmpty());
      assertEquals(
          List.of(
              "checkpoints/ckpt-000000000009/manifest.json",
              "checkpoints/ckpt-000000000009/state.json",
              "checkpoints/ckpt-000000000009/weights.safetensors",
              "checkpoints/ckpt-000000000009/writing.json"),
          store.list("checkpoints/ckpt-000000000009/"));
    }
  }
}
