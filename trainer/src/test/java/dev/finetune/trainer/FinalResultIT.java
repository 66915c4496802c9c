package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.contract.FinalResult;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.testing.JobYaml;
import dev.finetune.trainer.testing.TrainerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's final record, from the real CLI in a child JVM: result.json (written atomically,
 * left alone by another run's failure), the same file next to the final model in storage (listed in
 * the model manifest, which is written last), and the compact termination message with the same
 * numbers. Also: a real libtorch allocation failure exits 128 (retryable), not 1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FinalResultIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path data;
  static Path out;

  @BeforeAll
  static void data() throws IOException {
    data = SyntheticImageFolder.write(dir.resolve("data"), 8, 3, 32, 5);
    out = dir.resolve("out");
  }

  @Test
  @Order(1)
  void resultJsonInStorageAndTheTerminationMessageCarryTheSameNumbers() throws Exception {
    Path ckpt = dir.resolve("store/run");
    Path job =
        manifest(
            recipe("ok", data, ckpt, 32, 8)
                .fields("dataset", "validation: {fraction: 0.25}")
                .fields("baseline", "fromScratch: {epochs: 1}"));
    Path termination = dir.resolve("termination-log");
    int exit = train(job, "ok.log", "--termination-log", termination.toString());
    assertEquals(0, exit, Files.readString(dir.resolve("ok.log")));

    byte[] local = Files.readAllBytes(out.resolve("result.json"));
    assertFalse(Files.exists(out.resolve("result.json.tmp")), "no temporary file left");
    // Next to the final model, byte for byte, and listed in the manifest written after it.
    assertArrayEquals(local, Files.readAllBytes(ckpt.resolve("model/result.json")));
    JsonNode manifest = JSON.readTree(ckpt.resolve("model/manifest.json").toFile());
    List<String> listed = new ArrayList<>();
    manifest.get("files").forEach(f -> listed.add(f.get("name").asText()));
    assertTrue(listed.contains("result.json"), listed.toString());
    // The model card and labels are listed too, and say what result.json says.
    assertTrue(listed.containsAll(List.of("README.md", "labels.json")), listed.toString());
    assertArrayEquals(
        Files.readAllBytes(out.resolve("finetune/README.md")),
        Files.readAllBytes(ckpt.resolve("model/README.md")));
    String card = Files.readString(ckpt.resolve("model/README.md"));
    JsonNode front =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(card.substring(4, card.indexOf("\n---\n", 4) + 1));
    assertEquals(
        JSON.readTree(local).at("/finetune/testAccuracy").doubleValue(),
        front.at("/model-index/0/results/0/metrics/0/value").doubleValue());
    assertEquals(
        JSON.readTree(local).get("classes"),
        JSON.readTree(ckpt.resolve("model/labels.json").toFile()));
    assertTrue(
        Files.getLastModifiedTime(ckpt.resolve("model/manifest.json")).toMillis()
            >= Files.getLastModifiedTime(ckpt.resolve("model/result.json")).toMillis());

    String message = Files.readString(termination);
    assertTrue(message.length() <= 4096 && !message.contains("\n"), message);
    FinalResult r = FinalResult.parse(message).orElseThrow(() -> new AssertionError(message));
    JsonNode result = JSON.readTree(local);
    assertRun(result.get("finetune"), r.finetune());
    assertRun(result.get("baseline"), r.baseline());
    assertEquals(result.get("accuracyGain").doubleValue(), r.accuracyGain());
    assertEquals(r.finetune().testAccuracy() - r.baseline().testAccuracy(), r.accuracyGain());
    // validation.fraction 0.25 of 8 per class: 2 of each of the 3 classes, every epoch.
    assertEquals(18, result.get("trainImages").asInt());
    for (JsonNode e : result.get("finetune").get("epochs")) {
      double v = e.get("validationAccuracy").doubleValue();
      assertTrue(v >= 0 && v <= 1 && v * 6 == Math.rint(v * 6), "a share of 6 images: " + e);
      assertTrue(e.get("validationLoss").doubleValue() > 0, e.toString());
    }
    assertTrue(
        r.finetune().validationAccuracy() != null && r.baseline().validationLoss() != null,
        message);
    String log = Files.readString(dir.resolve("ok.log"));
    String summary =
        String.format(
            java.util.Locale.ROOT,
            "  finetune  test accuracy %.4f," + " validation accuracy %.4f  (",
            r.finetune().testAccuracy(),
            r.finetune().validationAccuracy());
    assertTrue(log.contains(summary), summary + " not in " + log);
  }

  static void assertRun(JsonNode run, FinalResult.Run r) {
    JsonNode epochs = run.get("epochs");
    JsonNode last = epochs.get(epochs.size() - 1);
    assertEquals(last.get("epoch").asInt(), r.epoch());
    assertEquals(epochs.size(), r.totalEpochs());
    assertEquals(last.get("step").asLong(), r.step());
    assertEquals(last.get("trainLoss").doubleValue(), r.trainLoss());
    assertEquals(last.get("trainAccuracy").doubleValue(), r.trainAccuracy());
    assertEquals(run.get("testAccuracy").doubleValue(), r.testAccuracy());
    assertEquals(last.get("imagesPerSecond").doubleValue(), r.imagesPerSecond());
    assertEquals(last.get("validationAccuracy").doubleValue(), r.validationAccuracy());
    assertEquals(last.get("validationLoss").doubleValue(), r.validationLoss());
    assertEquals(last.get("epoch").asInt(), r.validationEpoch());
  }

  /**
   * Another run (same job name, another dataset and checkpoint location) fails in the same --output
   * folder before it could hold it: the finished run's result.json stays, byte for byte (issue 24:
   * it used to be deleted). A failure of the same run after holding the folder removes it ({@code
   * OutputFolderTest}).
   */
  @Test
  @Order(2)
  void aLaterFailureOfAnotherRunLeavesTheFinishedResultAlone() throws Exception {
    assertTrue(Files.exists(out.resolve("result.json")), "from the run before");
    byte[] finished = Files.readAllBytes(out.resolve("result.json"));
    Path broken = SyntheticImageFolder.write(dir.resolve("broken"), 8, 3, 32, 5);
    try (Stream<Path> w = Files.walk(broken.resolve("test/stripe"))) {
      w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Path termination = dir.resolve("termination-log-failed");
    Path job = manifest(recipe("ok", broken, dir.resolve("store/broken"), 32, 8));
    int exit = train(job, "failed.log", "--termination-log", termination.toString());
    assertEquals(5, exit, Files.readString(dir.resolve("failed.log")));
    assertArrayEquals(
        finished,
        Files.readAllBytes(out.resolve("result.json")),
        "another run's failure must not touch the finished run's result");
    assertFalse(
        Files.exists(termination),
        "no result in the termination message: the kubelet"
            + " falls back to the log's error line");
  }

  /**
   * A real libtorch allocation failure: the trainer's address space is capped (prlimit --as), so
   * PyTorch's DefaultCPUAllocator cannot get memory for the activations of 1024 px images.
   */
  @Test
  @Order(3)
  void aLibtorchOutOfMemoryExitsRetryable128() throws Exception {
    Path job = manifest(recipe("oom", data, dir.resolve("store/oom"), 1024, 16));
    Path log = dir.resolve("oom.log");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "prlimit",
                "--as=" + (6L << 30),
                "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-XX:CompressedClassSpaceSize=128m",
                "-XX:ReservedCodeCacheSize=64m",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.finetune.trainer.cli.Main",
                "train",
                job.toString(),
                "--output",
                dir.resolve("oom-out").toString(),
                "--metrics-port",
                "-1",
                "--no-progress",
                "--threads",
                "1",
                "--cache-dir",
                dir.resolve("cache").toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    pb.environment()
        .put(
            "DJL_CACHE_DIR",
            System.getenv()
                .getOrDefault("DJL_CACHE_DIR", System.getProperty("user.home") + "/.djl.ai"));
    int exit = TrainerProcess.await(pb.start(), 300);
    String text = Files.readString(log);
    assertEquals(128, exit, text);
    assertTrue(
        text.contains("error: out of memory in libtorch: DefaultCPUAllocator: can't" + " allocate"),
        text);
    assertTrue(text.contains("spec.training.batchSize"), text);
    assertFalse(text.contains("\tat "), "one line, no stack trace: " + text);
  }

  static int train(Path job, String log, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                job.toString(),
                "--output",
                out.toString(),
                "--metrics-port",
                "-1",
                "--no-progress",
                "--threads",
                "1",
                "--cache-dir",
                dir.resolve("cache").toString()));
    args.addAll(List.of(extra));
    return TrainerProcess.await(
        TrainerProcess.start(dir.resolve(log), args.toArray(String[]::new)), 300);
  }

  /** Two epochs of a ResNet-18 at {@code size} px, checkpointed to {@code checkpoints}. */
  static JobYaml recipe(String name, Path dataset, Path checkpoints, int size, int batch) {
    return JobYaml.job(name)
        .architecture("resnet18")
        .imageFolder(dataset)
        .transforms("randomResizedCrop: " + size, "resize: " + size)
        .epochs(2)
        .batchSize(batch)
        .learningRate("0.01")
        .checkpoints(checkpoints);
  }

  static Path manifest(JobYaml job) {
    return job.write(dir.resolve(job.name() + "-" + System.nanoTime() + ".yaml"));
  }
}
