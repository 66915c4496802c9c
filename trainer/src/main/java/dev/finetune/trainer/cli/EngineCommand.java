package dev.finetune.trainer.cli;

import ai.djl.engine.Engine;
import com.sun.jna.NativeLibrary;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code finetune engine}: loads PyTorch and says what it found. The image build runs it once, so
 * DJL unpacks its natives into the image ({@code DJL_CACHE_DIR}) instead of into a volume at every
 * pod start; the CUDA image's build also checks that JNA finds the CUDA runtime under the name
 * DJL's {@code CudaUtils} loads ({@code cudart}), without which DJL sees no GPU.
 */
@Command(
    name = "engine",
    mixinStandardHelpOptions = true,
    description =
        "Loads the PyTorch engine and prints its version, where its natives are, the"
            + " CUDA runtime JNA resolves for 'cudart' and the GPUs it can see.")
final class EngineCommand implements Callable<Integer> {
  /** The JNA library name of DJL's CudaUtils. */
  static final String CUDART = "cudart";

  @Option(
      names = "--require-cudart",
      description =
          "The CUDA image's build check: list the natives in PYTORCH_LIBRARY_PATH and"
              + " exit 1 when JNA cannot load '"
              + CUDART
              + "'. Does not load the engine: the CUDA"
              + " natives need the driver's libcuda.so.1, which only a GPU node provides.")
  boolean requireCudart;

  @Override
  public Integer call() throws java.io.IOException {
    Engines.configure(1);
    String cudart = cudartFile();
    if (requireCudart) {
      String dir = System.getenv("PYTORCH_LIBRARY_PATH");
      if (dir != null) {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of(dir))) {
          files.sorted().forEach(f -> System.out.println("native: " + f));
        }
      }
      System.out.println(CUDART + " (the name DJL's CudaUtils loads through JNA): " + cudart);
      if (cudart.startsWith("not found")) {
        System.err.println(
            "error: JNA cannot load '"
                + CUDART
                + "' (jna.library.path="
                + System.getProperty("jna.library.path")
                + "): DJL would train on the CPU");
        return 1;
      }
      return 0;
    }
    Engine engine = Engine.getEngine("PyTorch");
    System.out.println(
        "engine: "
            + engine.getEngineName()
            + " "
            + engine.getVersion()
            + ", natives in "
            + ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
    System.out.println(CUDART + " (the name DJL's CudaUtils loads through JNA): " + cudart);
    System.out.println("gpus visible: " + engine.getGpuCount());
    return 0;
  }

  /** The file JNA loads for {@code cudart}, or "not found (why)". */
  static String cudartFile() {
    try {
      java.io.File f = NativeLibrary.getInstance(CUDART).getFile();
      // Found in no folder JNA searched: the dynamic linker's own search found it by name.
      return f.isAbsolute() ? f.getPath() : f.getName() + " from the system's library path";
    } catch (UnsatisfiedLinkError e) {
      return "not found (" + e.getMessage().lines().findFirst().orElse("") + ")";
    }
  }
}
