package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.testing.JobYaml;
import dev.finetune.trainer.testing.TorchReference;
import dev.finetune.trainer.testing.TrainerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact resume: the real CLI in a child JVM is killed (SIGKILL) or preempted (SIGTERM) mid-run and
 * restarted; its final parameters must equal an undisturbed run's bit for bit (CPU).
 */
class KillAndResumeIT {
  @TempDir static Path dir;
  static JobYaml job;
  static Map<String, float[]> reference;

  @BeforeAll
  static void undisturbedRun() throws Exception {
    Path data = SyntheticImageFolder.write(dir.resolve("data"), 24, 6, 32, 7);
    job = resumable("resume", data, 5);
    Path out = dir.resolve("undisturbed");
    assertEquals(0, run(out, "undisturbed"));
    reference = tensors(out.resolve("finetune/model.safetensors"));
  }

  @Test
  void sigkillAfterACheckpointResumesBitwise() throws Exception {
    Path out = dir.resolve("killed");
    Path ckpt = dir.resolve("ckpt-killed");
    Path log = dir.resolve("killed.log");
    Process p = TrainerProcess.start(log, args(out, ckpt));
    awaitManifests(ckpt, 1, p, log);
    p.destroyForcibly(); // SIGKILL
    assertEquals(137, TrainerProcess.await(p, 60), "killed by SIGKILL");
    int exit = TrainerProcess.await(TrainerProcess.start(log, args(out, ckpt)), 300);
    assertEquals(0, exit, Files.readString(log));
    JsonNode result = new ObjectMapper().readTree(out.resolve("result.json").toFile());
    assertTrue(result.at("/finetune/resumedFromStep").asLong() > 0, result.toString());
    assertBitwiseEqual(tensors(out.resolve("finetune/model.safetensors")));
  }

  @Test
  void sigtermCheckpointsThenExits143AndResumesBitwise() throws Exception {
    Path out = dir.resolve("preempted");
    Path ckpt = dir.resolve("ckpt-preempted");
    Path log = dir.resolve("preempted.log");
    Process p = TrainerProcess.start(log, args(out, ckpt));
    awaitManifests(ckpt, 1, p, log);
    p.destroy(); // SIGTERM
    assertEquals(143, TrainerProcess.await(p, 60), Files.readString(log));
    String afterTerm = Files.readString(log).substring(Files.readString(log).indexOf("SIGTERM"));
    assertTrue(
        afterTerm.matches(
            "(?s).*finetune: (checkpoint \\S+ \\(epoch|stopping; checkpoint at step).*"),
        "a checkpoint is written (or already current) on SIGTERM: " + afterTerm);
    assertEquals(
        0,
        TrainerProcess.await(TrainerProcess.start(log, args(out, ckpt)), 300),
        Files.readString(log));
    assertBitwiseEqual(tensors(out.resolve("finetune/model.safetensors")));
  }

  /**
   * A job that checkpoints every epoch and keeps two, seeded, with the augmentations on: what a
   * resumed run must reproduce bit for bit. Its checkpoint URI is set per run.
   */
  static JobYaml resumable(String name, Path data, int epochs) {
    return JobYaml.job(name)
        .architecture("resnet18")
        .imageFolder(data)
        .transforms("randomResizedCrop: 32, horizontalFlip: true", "resize: 32")
        .epochs(epochs)
        .batchSize(8)
        .learningRate("0.01")
        .fields("training", "momentum: 0.9, seed: 3")
        .fields("checkpoints", "everyEpochs: 1, keep: 2");
  }

  private static void assertBitwiseEqual(Map<String, float[]> actual) {
    assertEquals(reference.keySet(), actual.keySet());
    reference.forEach((name, want) -> assertArrayEquals(want, actual.get(name), 0f, name));
  }

  private static int run(Path out, String name) throws Exception {
    Path log = dir.resolve(name + ".log");
    int exit =
        TrainerProcess.await(
            TrainerProcess.start(log, args(out, dir.resolve("ckpt-" + name))), 300);
    if (exit != 0) {
      throw new AssertionError("exit " + exit + "\n" + Files.readString(log));
    }
    return exit;
  }

  private static String[] args(Path out, Path ckpt) throws IOException {
    Path manifest =
        job.checkpoints("file://" + ckpt).write(out.resolveSibling(out.getFileName() + ".yaml"));
    return new String[] {
      "train",
      manifest.toString(),
      "--output",
      out.toString(),
      "--metrics-port",
      "-1",
      "--threads",
      "1",
      "--no-progress"
    };
  }

  private static void awaitManifests(Path ckpt, int n, Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + 240_000_000_000L;
    while (manifests(ckpt) < n) {
      if (!p.isAlive()) {
        throw new AssertionError(
            "trainer exited early: " + p.exitValue() + "\n" + Files.readString(log));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no checkpoint appeared\n" + Files.readString(log));
      }
      Thread.sleep(20);
    }
  }

  private static long manifests(Path ckpt) throws IOException {
    if (!Files.exists(ckpt)) {
      return 0;
    }
    // The store's own listing: it tolerates files the trainer renames while we poll.
    return new dev.finetune.trainer.storage.FileObjectStore(ckpt)
        .list("checkpoints/").stream().filter(k -> k.endsWith("/manifest.json")).count();
  }

  static Map<String, float[]> tensors(Path file) throws IOException {
    Map<String, float[]> out = new java.util.TreeMap<>();
    try (NDManager m = NDManager.newBaseManager()) {
      for (Map.Entry<String, NDArray> e : TorchReference.load(m, file).entrySet()) {
        out.put(e.getKey(), e.getValue().toFloatArray());
      }
    }
    return out;
  }
}
