package dev.finetune.trainer.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts the real trainer CLI ({@code finetune ...}) in a child JVM, as a pod would run it. */
public final class TrainerProcess {
  private TrainerProcess() {}

  public static Process start(Path log, String... args) throws IOException {
    return start(log, java.util.Map.of(), args);
  }

  /** Starts the CLI with extra environment variables (object-store credentials, HF_ENDPOINT). */
  public static Process start(Path log, java.util.Map<String, String> env, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.finetune.trainer.cli.Main");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment()
        .put(
            "DJL_CACHE_DIR",
            System.getenv()
                .getOrDefault(
                    "DJL_CACHE_DIR", System.getProperty("user.home") + File.separator + ".djl.ai"));
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Waits for exit and returns the code; fails after the timeout. */
  public static int await(Process p, long seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("trainer did not finish in " + seconds + " s");
    }
    return p.exitValue();
  }
}
