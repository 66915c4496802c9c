package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.storage.FileObjectStore;
import dev.finetune.trainer.testing.TrainerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability drill: one training run is interrupted 8 times at seeded random steps, 3 times by
 * SIGTERM (preemption) and 5 times by SIGKILL (node loss), each time restarting the real CLI in a
 * fresh child JVM, as the operator's next attempt would.
 *
 * <p>Checked per fault: SIGTERM exits 143 within the grace period with a checkpoint at or after the
 * step where the signal arrived (so the restart loses nothing); SIGKILL loses at most one
 * checkpoint interval (the step seen on /metrics at the kill minus the step the restart resumes
 * from). At the end the parameters must equal an undisturbed run's bit for bit. Prints {@code DRILL
 * sigterm: ...} and {@code DRILL kill: ...} lines that docs/RELIABILITY.md quotes.
 */
class PreemptionDrillIT {
  private static final long SEED = 20240611L;
  private static final int STEPS_PER_EPOCH = 9; // 72 training images, batch 8
  private static final int EPOCHS = 4;
  private static final int GRACE_SECONDS = 30;
  private static final Pattern RESUMED =
      Pattern.compile(
          "finetune: resuming from the newest valid checkpoint: \\d+ epoch\\(s\\) done, step (\\d+)");

  @TempDir Path dir;

  enum Fault {
    SIGTERM,
    SIGKILL
  }

  @Test
  void randomSigtermsAndSigkillsLoseAtMostOneIntervalAndEndBitwiseEqual() throws Exception {
    Path data = SyntheticImageFolder.write(dir.resolve("data"), 24, 4, 32, 7);
    Map<String, float[]> reference = runToEnd(data, "undisturbed");

    int total = STEPS_PER_EPOCH * EPOCHS;
    Random random = new Random(SEED);
    TreeSet<Integer> targets = new TreeSet<>();
    while (targets.size() < 8) {
      targets.add(2 + random.nextInt(total - 3)); // distinct steps in [2, total-2]
    }
    List<Fault> faults =
        new ArrayList<>(
            List.of(
                Fault.SIGTERM,
                Fault.SIGTERM,
                Fault.SIGTERM,
                Fault.SIGKILL,
                Fault.SIGKILL,
                Fault.SIGKILL,
                Fault.SIGKILL,
                Fault.SIGKILL));
    Collections.shuffle(faults, random);

    Path out = dir.resolve("drill");
    Path ckpt = dir.resolve("ckpt-drill");
    Path manifest = manifest(data, ckpt, "drill");
    int kills = 0;
    int terms = 0;
    long maxLost = 0;
    long maxTermToExitMs = 0;
    long previousSignalStep = -1;
    Fault previousFault = null;
    List<String> trace = new ArrayList<>();
    int i = 0;
    for (int target : targets) {
      Fault fault = faults.get(i);
      Path log = dir.resolve("drill-" + i + ".log");
      int port = freePort();
      Process p = TrainerProcess.start(log, args(manifest, out, port));
      long seen = awaitStep(p, port, target, log);
      long resumed = resumedStep(log); // decided before the first step
      if (previousFault != null) {
        checkResume(previousFault, previousSignalStep, resumed, log);
        if (previousFault == Fault.SIGKILL) {
          maxLost = Math.max(maxLost, Math.max(0, previousSignalStep - resumed));
        }
      }
      Thread.sleep(random.nextInt(150)); // a random moment inside the step, not only its end
      if (fault == Fault.SIGKILL) {
        p.destroyForcibly();
        assertEquals(137, TrainerProcess.await(p, 60), "killed by SIGKILL");
        kills++;
      } else {
        long t0 = System.nanoTime();
        p.destroy();
        int exit = TrainerProcess.await(p, GRACE_SECONDS + 30);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(143, exit, Files.readString(log));
        assertTrue(ms < GRACE_SECONDS * 1000L, "SIGTERM to exit took " + ms + " ms");
        maxTermToExitMs = Math.max(maxTermToExitMs, ms);
        long newest = newestCheckpointStep(ckpt);
        assertTrue(
            newest >= seen,
            "after SIGTERM at step "
                + seen
                + " the newest checkpoint is"
                + " at step "
                + newest
                + "\n"
                + Files.readString(log));
        seen = newest; // the step training stopped at
        terms++;
      }
      trace.add(fault + "@" + seen + "(resumed " + resumed + ")");
      previousFault = fault;
      previousSignalStep = seen;
      i++;
    }
    Path log = dir.resolve("drill-final.log");
    Process last = TrainerProcess.start(log, args(manifest, out, -1));
    assertEquals(0, TrainerProcess.await(last, 300), Files.readString(log));
    long resumed = resumedStep(log);
    checkResume(previousFault, previousSignalStep, resumed, log);
    if (previousFault == Fault.SIGKILL) {
      maxLost = Math.max(maxLost, Math.max(0, previousSignalStep - resumed));
    }
    Map<String, float[]> actual =
        KillAndResumeIT.tensors(out.resolve("finetune/model.safetensors"));
    assertEquals(reference.keySet(), actual.keySet());
    reference.forEach((name, want) -> assertArrayEquals(want, actual.get(name), 0f, name));

    System.out.println("DRILL faults: " + trace);
    System.out.printf(
        Locale.ROOT,
        "DRILL sigterm: terminations=%d exit143=%d"
            + " checkpointAfterSigterm=%d maxSigtermToExitMs=%d gracePeriodS=%d lostSteps=0"
            + " bitwiseEqual=true%n",
        terms,
        terms,
        terms,
        maxTermToExitMs,
        GRACE_SECONDS);
    System.out.printf(
        Locale.ROOT,
        "DRILL kill: kills=%d maxLostSteps=%d" + " checkpointIntervalSteps=%d bitwiseEqual=true%n",
        kills,
        maxLost,
        STEPS_PER_EPOCH);
    assertEquals(3, terms);
    assertEquals(5, kills);
  }

  /** SIGTERM must lose nothing; SIGKILL at most one checkpoint interval. */
  private static void checkResume(Fault fault, long signalStep, long resumed, Path log)
      throws IOException {
    if (fault == Fault.SIGTERM) {
      assertEquals(
          signalStep,
          resumed,
          "a restart after SIGTERM resumes at the step it stopped" + "\n" + Files.readString(log));
    } else {
      // resumed may exceed the step last seen: a checkpoint can land between scrape and kill.
      assertTrue(
          signalStep - resumed <= STEPS_PER_EPOCH,
          "SIGKILL at step "
              + signalStep
              + " resumed from step "
              + resumed
              + ": more than one"
              + " checkpoint interval ("
              + STEPS_PER_EPOCH
              + " steps) lost\n"
              + Files.readString(log));
    }
  }

  private Map<String, float[]> runToEnd(Path data, String name) throws Exception {
    Path out = dir.resolve(name);
    Path log = dir.resolve(name + ".log");
    Process p =
        TrainerProcess.start(log, args(manifest(data, dir.resolve("ckpt-" + name), name), out, -1));
    assertEquals(0, TrainerProcess.await(p, 300), Files.readString(log));
    return KillAndResumeIT.tensors(out.resolve("finetune/model.safetensors"));
  }

  private Path manifest(Path data, Path ckpt, String name) throws IOException {
    return KillAndResumeIT.resumable("drill", data, EPOCHS)
        .checkpoints("file://" + ckpt)
        .write(dir.resolve(name + ".yaml"));
  }

  private static String[] args(Path manifest, Path out, int port) {
    return new String[] {
      "train",
      manifest.toString(),
      "--output",
      out.toString(),
      "--metrics-port",
      Integer.toString(port),
      "--threads",
      "1",
      "--no-progress",
      "--grace-period",
      Integer.toString(GRACE_SECONDS)
    };
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The step the process resumed from, 0 for a fresh start (read once it has trained). */
  private static long resumedStep(Path log) throws IOException {
    Matcher m = RESUMED.matcher(Files.readString(log));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** Polls the trainer's /metrics until finetune_global_step reaches target; returns it. */
  private static long awaitStep(Process p, int port, int target, Path log) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError(
            "trainer exited early: " + p.exitValue() + "\n" + Files.readString(log));
      }
      try {
        for (String line :
            client.send(req, HttpResponse.BodyHandlers.ofString()).body().split("\n")) {
          if (line.startsWith("finetune_global_step{") && line.contains("run=\"finetune\"")) {
            long step = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (step >= target) {
              return step;
            }
          }
        }
      } catch (IOException notYetListening) {
        // the endpoint starts once the data is loaded
      }
      Thread.sleep(10);
    }
    throw new AssertionError("step " + target + " not reached\n" + Files.readString(log));
  }

  private static long newestCheckpointStep(Path ckpt) throws IOException {
    return new FileObjectStore(ckpt)
        .list("checkpoints/").stream()
            .filter(k -> k.endsWith("/manifest.json"))
            .mapToLong(k -> Long.parseLong(k.replaceAll(".*ckpt-(\\d+)/manifest\\.json", "$1")))
            .max()
            .orElse(0);
  }
}
