package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.trainer.storage.StderrCapture;
import dev.finetune.trainer.testing.JobYaml;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, classes 5, 6, 12, 13 and 15 (relative file URI): bad options and unwritable locations
 * fail before any training with one "error:" line and a usage or spec code, and {@code validate}
 * agrees with {@code train} about the spec.
 */
class PreflightTest {
  @TempDir Path dir;
  Path data;
  Path aFile;

  @BeforeEach
  void setUp() throws Exception {
    data = Files.createDirectories(dir.resolve("data"));
    aFile = Files.writeString(dir.resolve("a-file"), "not a folder");
  }

  /** The job of these cases: a ResNet-18 on the (empty) data folder. */
  private JobYaml pre() {
    return JobYaml.job("pre").architecture("resnet18").dataset(data, data);
  }

  private Path job(JobYaml yaml) {
    return yaml.write(dir.resolve("job-" + Math.abs(yaml.yaml().hashCode()) + ".yaml"));
  }

  private Path job() {
    return job(pre());
  }

  record Result(int code, String err) {}

  private Result run(String... args) {
    try (StderrCapture err = new StderrCapture()) {
      return new Result(Main.run(args), err.text());
    }
  }

  /** train JOB with defaults for a test, each replaced by an option of {@code more}. */
  private Result train(Path job, String... more) {
    java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
    options.put("--output", dir.resolve("out").toString());
    options.put("--cache-dir", dir.resolve("cache").toString());
    options.put("--metrics-port", "-1");
    for (int i = 0; i + 1 < more.length; i += 2) {
      options.put(more[i], more[i + 1]);
    }
    List<String> args = new ArrayList<>(List.of("train", job.toString(), "--no-progress"));
    options.forEach((k, v) -> args.add(k + "=" + v));
    return run(args.toArray(String[]::new));
  }

  private static void oneLine(Result r, int code, String contains) {
    assertEquals(code, r.code(), r.err());
    assertTrue(r.err().contains("error: "), r.err());
    assertTrue(r.err().contains(contains), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void unwritableOutputIsAUsageErrorBeforeTraining() throws Exception {
    Path job = job();
    oneLine(train(job, "--output", aFile.toString()), 2, "--output");
    oneLine(train(job, "--output", aFile.resolve("sub").toString()), 2, "is not a folder");
    oneLine(train(job, "--output", "/proc/finetune-out"), 2, "is not writable");
  }

  @Test
  void unwritableFileCheckpointUriFailsInValidateAndTrainAlike() throws Exception {
    for (String uri :
        List.of(
            aFile.toUri() + "/ckpts", "file:///proc/finetune-ckpts", aFile.toUri().toString())) {
      Path job = job(pre().checkpoints(uri));
      Result v = run("validate", job.toString());
      Result t = train(job);
      oneLine(v, 10, "spec.checkpoints.uri");
      oneLine(t, 10, "spec.checkpoints.uri");
    }
    Path ok = job(pre().checkpoints(dir.resolve("new/ckpts")));
    assertEquals(0, run("validate", ok.toString()).code());
    assertFalse(Files.exists(dir.resolve("new")), "validate leaves no folders behind");
  }

  @Test
  void relativeFileUrisFailInValidateAndTrainAlike() throws Exception {
    for (String uri : List.of("file://relative/dir", "file:relative/dir")) {
      Path job = job(pre().checkpoints(uri));
      oneLine(run("validate", job.toString()), 3, "spec.checkpoints.uri");
      oneLine(train(job), 3, "spec.checkpoints.uri");
    }
    Path ds =
        pre().dataset("file://data/train", "file://data/train").write(dir.resolve("rel.yaml"));
    oneLine(run("validate", ds.toString()), 3, "spec.dataset.train");
  }

  @Test
  void metricsPortOutOfRangeOrTakenIsAUsageError() throws Exception {
    Path job = job();
    oneLine(train(job, "--metrics-port", "70000"), 2, "--metrics-port");
    oneLine(train(job, "--metrics-port", "-7"), 2, "--metrics-port");
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(0));
      int port = taken.getLocalPort();
      oneLine(train(job, "--metrics-port", Integer.toString(port)), 2, "already in use");
      // The default port (not asked for) falls back to a free one.
      assertEquals(0, Preflight.metricsPort(port, false));
    }
  }

  @Test
  void absurdThreadsAreBoundedByTheCpusAndNegativeOnesRefused() throws Exception {
    assertEquals(4, Preflight.threads(100_000, 4));
    assertEquals(4, Preflight.threads(0, 4));
    assertEquals(3, Preflight.threads(3, 4));
    Path job = job();
    oneLine(train(job, "--threads", "-1"), 2, "--threads");
    oneLine(train(job, "--data-workers", "-3"), 2, "--data-workers");
  }

  @Test
  void absurdCpusAndDataWorkersAreBoundedAndNegativeOnesRefused() throws Exception {
    assertEquals(4, Preflight.cpus(0, 4));
    assertEquals(2, Preflight.cpus(2, 4));
    assertEquals(4, Preflight.cpus(1_000_000, 4));
    assertEquals(0, Preflight.dataWorkers(0, 4), "0 stays: CpuShare picks from the device");
    assertEquals(4, Preflight.dataWorkers(100_000, 4));
    assertEquals(3, Preflight.dataWorkers(3, 4));
    Path job = job();
    Result negative = train(job, "--cpus", "-2");
    oneLine(negative, 2, "--cpus");
    assertTrue(negative.err().contains("from 1 to"), negative.err());
    oneLine(train(job, "--cpus", "lots"), 2, "--cpus");
    oneLine(train(job, "--data-workers", "99999999999"), 2, "--data-workers");
  }

  @Test
  void aTinyNormalizeStdIsNamedNotTheLearningRate() throws Exception {
    for (String std : List.of("[1.0e-30, 0.224, 0.225]", "[0.0001, 0.0001, 0.0001]")) {
      Path job = job(pre().fields("transforms", "normalize: {std: " + std + "}"));
      oneLine(run("validate", job.toString()), 3, "spec.transforms.normalize.std");
      Result t = train(job);
      oneLine(t, 3, "spec.transforms.normalize.std");
      assertFalse(t.err().contains("learningRate"), t.err());
    }
    assertEquals(
        0,
        run(
                "validate",
                job(pre().fields("transforms", "normalize: {std: [0.2, 0.2, 0.2]}")).toString())
            .code());
  }

  /**
   * Issue 24: every numeric option has a stated range, and a value outside it is a usage error
   * naming the flag and the range. A negative --grace-period used to be accepted, and on SIGTERM
   * the watchdog thread died ("timeout value is negative"), so nothing enforced the grace period.
   */
  @Test
  void everyNumericOptionOutsideItsRangeIsAUsageErrorNamingFlagAndRange() throws Exception {
    Path job = job();
    record Case(String option, String value, String range) {}
    for (Case c :
        List.of(
            new Case("--grace-period", "-1", "1..3600"),
            new Case("--grace-period", "0", "1..3600"),
            new Case("--grace-period", "3601", "1..3600"),
            new Case("--download-deadline", "0", "1..604800"),
            new Case("--download-deadline", "-5", "1..604800"),
            new Case("--download-deadline", "9223372036854775807", "1..604800"),
            new Case("--metrics-port", "65536", "1..65535"),
            new Case("--metrics-port", "-2", "-1 (off)"),
            new Case("--cpus", "-1", "from 1 to"),
            new Case("--threads", "-1", "from 1 to"),
            new Case("--data-workers", "-1", "from 1 to"),
            new Case("--grace-period", "99999999999", "--grace-period"),
            new Case("--metrics-port", "1e3", "--metrics-port"))) {
      Result r = train(job, c.option(), c.value());
      oneLine(r, 2, c.option());
      assertTrue(r.err().contains(c.range()), c + ": " + r.err());
    }
  }

  /**
   * Issue 24: a --termination-log inside --output silently overwrote the model file with the JSON
   * line. Refused as a usage error, whichever way round they nest, links resolved.
   */
  @Test
  void terminationLogInsideOutputIsAUsageError() throws Exception {
    Path job = job();
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Path link = Files.createSymbolicLink(dir.resolve("out-link"), out);
    for (Path log :
        List.of(
            out.resolve("finetune/model.safetensors"),
            out.resolve("result.json"),
            out,
            link.resolve("termination"),
            dir)) {
      Result r = train(job, "--termination-log", log.toString());
      oneLine(r, 2, "--termination-log");
    }
    Result outside = train(job, "--termination-log", dir.resolve("elsewhere/log").toString());
    assertFalse(outside.err().contains("--termination-log"), outside.err());
  }

  @Test
  void cacheDirThatIsAFileIsAUsageError() throws Exception {
    oneLine(train(job(), "--cache-dir", aFile.toString()), 2, "--cache-dir");
  }
}
