package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.Required;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA image's way for DJL to find the CUDA runtime, on a synthetic layout: the cu124 natives
 * carry it only as {@code libcudart-8774224f.so.12}, DJL's CudaUtils asks JNA for {@code cudart},
 * and the image links {@code /opt/djl/cuda/libcudart.so} to the hashed file and starts Java with
 * {@code -Djna.library.path=/opt/djl/cuda} (images/trainer.Containerfile). A real shared library
 * (zlib) stands in for libcudart; each lookup runs in a child JVM, as JNA keeps what it loaded.
 */
class CudartLookupTest {
  static final Path STAND_IN = Path.of("/usr/lib/x86_64-linux-gnu/libz.so.1");

  /** Prints what {@link EngineCommand#cudartFile()} resolves (run in a child JVM). */
  public static void main(String[] args) {
    System.out.println(EngineCommand.cudartFile());
  }

  @Test
  void hashedNameAloneIsNotFoundTheLinkMakesJnaFindIt(@TempDir Path djl) throws Exception {
    Required.present(Files.isRegularFile(STAND_IN), STAND_IN + " (Debian's zlib1g)");
    Path natives = Files.createDirectories(djl.resolve("pytorch/2.5.1-cu124-linux-x86_64"));
    Path cuda = Files.createDirectories(djl.resolve("cuda"));
    Path hashed = natives.resolve("libcudart-8774224f.so.12");
    Files.copy(STAND_IN, hashed);
    // Not found, or (on a machine with CUDA installed) the system's own libcudart.
    String without = lookup(natives);
    assertFalse(without.startsWith(djl.toString()), "the hashed name alone: " + without);
    assertFalse(lookup(cuda).startsWith(djl.toString()), "an empty cuda folder (the cpu image)");
    Files.createSymbolicLink(cuda.resolve("libcudart.so"), hashed);
    String with = lookup(cuda);
    assertEquals(
        cuda.resolve("libcudart.so").toString(),
        with,
        "with cuda/libcudart.so -> libcudart-8774224f.so.12 on jna.library.path");
  }

  /** EngineCommand.cudartFile() in a child JVM with -Djna.library.path=dir. */
  static String lookup(Path dir) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djna.library.path=" + dir,
                    "-cp",
                    System.getProperty("java.class.path"),
                    CudartLookupTest.class.getName()))
            .redirectErrorStream(true);
    pb.environment().remove("LD_LIBRARY_PATH");
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "lookup did not finish");
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertEquals(0, p.exitValue(), out);
    return out.lines().reduce((a, b) -> b).orElse("");
  }
}
