package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.cli.Main;
import dev.finetune.trainer.storage.StderrCapture;
import dev.finetune.trainer.testing.JobYaml;
import dev.finetune.trainer.testing.TrainerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, class 1: re-running into the same output or checkpoint URI with a changed recipe, job,
 * or class list must not "resume" the old run. The trainer runs in-process (Main.run), with
 * checkpoints in a folder and in a real S3 API server.
 */
class StaleRunIT {
  /** ExitCode.RUN_MISMATCH, spelled as a number so this test also runs against older code. */
  static final int RUN_MISMATCH = 11;

  @TempDir static Path dir;
  static Path data;
  static S3Server s3;

  @BeforeAll
  static void data() throws IOException {
    data = SyntheticImageFolder.write(dir.resolve("ds"), 4, 2, 24, 5);
    s3 = S3Server.start("stale");
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  /** The run these cases train and change: one epoch in batches of 8 at 24 px. */
  private static JobYaml recipe(String name, String training) {
    return JobYaml.job(name)
        .architecture("resnet18")
        .imageFolder(data)
        .resize(24)
        .epochs(1)
        .batchSize(8)
        .fields("training", training);
  }

  private static Path write(JobYaml job) {
    return job.write(dir.resolve(job.name() + "-" + Math.abs(job.yaml().hashCode()) + ".yaml"));
  }

  private static Path job(String name, String training) {
    return write(recipe(name, training));
  }

  private static Path s3Job(String training) {
    return write(recipe("s3run", training).checkpoints(s3.uri("runs/s3run")));
  }

  record Run(int code, String err) {}

  private static Run train(Path job, Path out) {
    try (StderrCapture err = new StderrCapture()) {
      int code =
          Main.run(
              "train",
              job.toString(),
              "--output",
              out.toString(),
              "--metrics-port",
              "-1",
              "--no-progress",
              "--cache-dir",
              dir.resolve("cache").toString());
      return new Run(code, err.text());
    }
  }

  /** Every file under root with its size and modification time. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        files.put(
            root.relativize(p).toString(),
            Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return files;
  }

  @Test
  void changedRecipeJobOrClassesIsRefusedWithoutWriting() throws Exception {
    Path out = dir.resolve("out");
    Run first = train(job("hotdog", "learningRate: 0.01, momentum: 0.9, seed: 1"), out);
    assertEquals(0, first.code(), first.err());
    Map<String, String> before = snapshot(out);

    for (Path changed :
        new Path[] {
          job("hotdog", "learningRate: 0.02, momentum: 0.9, seed: 1"),
          job("hotdog", "learningRate: 0.01, momentum: 0.5, seed: 1"),
          job("hotdog", "learningRate: 0.01, momentum: 0.9, seed: 2"),
          job("hotdog-kueue", "learningRate: 0.01, momentum: 0.9, seed: 1"),
          write(
              recipe("hotdog", "learningRate: 0.01, momentum: 0.9, seed: 1")
                  .fields("dataset", "classes: [circle, square]"))
        }) {
      Run r = train(changed, out);
      assertEquals(RUN_MISMATCH, r.code(), changed + ": " + r.err());
      assertTrue(
          r.err()
              .contains(
                  out.toAbsolutePath()
                      .resolve("checkpoints")
                      .toUri()
                      .toString()
                      .replaceAll("/+$", "")),
          r.err());
      assertTrue(r.err().contains("differs in"), r.err());
      assertEquals(before, snapshot(out), "nothing written for " + changed);
    }
    Run lr = train(job("hotdog", "learningRate: 0.02, momentum: 0.9, seed: 1"), out);
    assertTrue(lr.err().contains("spec.training.learningRate (stored 0.01, now 0.02)"), lr.err());

    // The same spec resumes (the finished run) and succeeds.
    Run again = train(job("hotdog", "learningRate: 0.01, momentum: 0.9, seed: 1"), out);
    assertEquals(0, again.code(), again.err());
  }

  /** A child JVM, as in a pod: S3 credentials come from its environment. */
  private static Run trainWithS3(Path job, Path out) throws Exception {
    Path log = Files.createTempFile(dir, "s3", ".log");
    Process p =
        TrainerProcess.start(
            log,
            s3.env(),
            "train",
            job.toString(),
            "--output",
            out.toString(),
            "--metrics-port",
            "-1",
            "--no-progress",
            "--cache-dir",
            dir.resolve("cache").toString());
    int code = TrainerProcess.await(p, 300);
    return new Run(code, Files.readString(log));
  }

  @Test
  void changedRecipeIsRefusedForS3Checkpoints() throws Exception {
    Run first = trainWithS3(s3Job("learningRate: 0.01"), dir.resolve("s3-out"));
    assertEquals(0, first.code(), first.err());
    Run changed = trainWithS3(s3Job("learningRate: 0.03"), dir.resolve("s3-out-2"));
    assertEquals(RUN_MISMATCH, changed.code(), changed.err());
    assertTrue(changed.err().contains(s3.uri("runs/s3run")), changed.err());
    assertTrue(changed.err().contains("spec.training.learningRate"), changed.err());
  }
}
