package dev.finetune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * bench/gpu/run.sh --dry-run end to end on the CPU: every stage must report ok and the summary must
 * exit 0; a result file with a failed or missing stage must make the summary exit 1.
 *
 * <p>Runs in {@code mvn verify} (failsafe, after the bench jar is packaged; the trainer's jar and
 * lib/ come from the reactor's trainer module) on the packaged jars and Debian's python3-torch
 * (bin/setup), about 2-3 minutes of 2 CPUs. In a clean clone there is no bench/gpu/djl-src, so DJL
 * keeps its bundled libtorch (jni state "bundled"). Alone: {@code mvn -B -o -q -DskipTests package
 * -pl trainer,bench -am && mvn -B -o -q -pl bench verify}.
 */
class GpuDryRunIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void dryRunPassesEveryStage() throws Exception {
    Path out = Files.createTempFile("gpu-dry-run", ".jsonl");
    Result r =
        run(
            List.of("bench/gpu/run.sh", "--dry-run", "--timeout", "280"),
            List.of("BENCH_GPU_OUT=" + out),
            300);
    assertEquals(0, r.rc, r.log);
    String rows = Files.readString(out);
    for (String stage : List.of("env", "jni", "parity", "speed", "cu124", "hotdog", "workers")) {
      assertTrue(rows.contains("{\"stage\":\"" + stage + "\",\"ok\":true"), stage + ":\n" + rows);
    }
    assertTrue(!rows.contains("\"ok\":false"), rows);
    assertTrue(rows.contains("\"pass\":true"), "parity must pass:\n" + rows);
    assertTrue(r.log.contains("| train |") && r.log.contains("| jpeg |"), r.log);
    // the data path by worker count: DJL and PyTorch with 1 and 2 workers, against compute alone
    for (String stack : List.of("djl", "pytorch")) {
      for (int w : List.of(1, 2)) {
        // PyTorch's JSON has a space after each colon, the trainer's none
        Pattern row =
            Pattern.compile(
                "^\\{\"stage\":\"workers\",\"ok\":true,.*\"stack\": ?\""
                    + stack
                    + "\".*\"mode\": ?\"jpeg\".*\"workers\": ?"
                    + w
                    + ",.*\"images_per_second\": ?[0-9.]+");
        assertTrue(
            rows.lines().anyMatch(l -> row.matcher(l).find()),
            stack + " with " + w + " workers:\n" + rows);
      }
    }
    assertTrue(r.log.contains("| data workers |"), r.log);
    assertTrue(r.log.contains("fewest data workers feeding djl"), r.log);
    assertTrue(r.log.contains("n/a (dry run)"), "goals are not judged on a dry run:\n" + r.log);
  }

  @Test
  void summaryFailsOnAFailedOrMissingStage() throws Exception {
    Path bad = Files.createTempFile("gpu-bad", ".jsonl");
    Files.writeString(
        bad,
        "{\"stage\":\"env\",\"ok\":true,\"dry_run\":true}\n"
            + "{\"stage\":\"parity\",\"ok\":false,\"result\":{\"device\":\"cpu\",\"logits_max_rel_err\":3,"
            + "\"sgd_max_err_over_tol\":0.5,\"pass\":false}}\n");
    Result r =
        run(List.of("/usr/bin/python3", "bench/gpu/summary.py", bad.toString()), List.of(), 60);
    assertEquals(1, r.rc, r.log);
    assertTrue(r.log.contains("parity  FAILED") && r.log.contains("hotdog  missing"), r.log);
    assertTrue(r.log.contains("workers missing"), r.log);
  }

  private record Result(int rc, String log) {}

  private static Result run(List<String> command, List<String> env, int seconds)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    for (String kv : env) {
      pb.environment().put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    Path log = Files.createTempFile("gpu-run", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out after " + seconds + " s:\n" + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }
}
