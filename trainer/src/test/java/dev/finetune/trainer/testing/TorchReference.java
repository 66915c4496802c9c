package dev.finetune.trainer.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.finetune.testsupport.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/python/torch_reference.py with Debian's python3-torch to produce reference tensors.
 * Outside CI the tests skip when torch is missing; in CI (CI=true) a missing torch is a failure,
 * because .ci/run installs it.
 */
public final class TorchReference {
  public static final String PYTHON = "/usr/bin/python3";
  private static final Map<String, Path> RESULTS = new HashMap<>();

  private TorchReference() {}

  public static boolean available() {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import torch, torchvision").start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** Requires torch: skips locally, fails in CI. */
  public static void require() {
    boolean ok = available();
    if (!ok && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("python3-torch is required in CI (.ci/run installs it)");
    }
    Required.present(ok, "Debian's python3-torch and python3-torchvision");
  }

  /** Runs one mode of the reference script once per JVM and returns its output folder. */
  public static synchronized Path run(String mode) throws IOException, InterruptedException {
    require();
    Path cached = RESULTS.get(mode);
    if (cached != null) {
      return cached;
    }
    Path out = Files.createTempDirectory("torch-ref-" + mode);
    Path script = Path.of("src/test/python/torch_reference.py").toAbsolutePath();
    Process p =
        new ProcessBuilder(PYTHON, script.toString(), mode, out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("torch reference '" + mode + "' failed:\n" + log);
    }
    RESULTS.put(mode, out);
    return out;
  }

  /** Loads a safetensors file into name → array. */
  public static Map<String, NDArray> load(NDManager manager, Path file) throws IOException {
    NDList list = NDList.decode(manager, Files.readAllBytes(file));
    Map<String, NDArray> byName = new HashMap<>();
    for (NDArray a : list) {
      byName.put(a.getName(), a);
    }
    return byName;
  }
}
