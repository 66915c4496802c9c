package dev.finetune.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11, class 7: huge or endless weights files are refused before they are read. */
class WeightsFileTest {
  @TempDir Path dir;

  private static String refused(Path p, long limit) {
    TrainerException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () ->
                assertThrows(
                    TrainerException.class, () -> WeightsFile.read(p, p.toString(), limit)));
    assertEquals(ExitCode.WEIGHTS_INVALID, e.exitCode(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void threeGibOfZerosIsRefusedBySize() throws Exception {
    Path zeros = dir.resolve("zeros.safetensors");
    try (RandomAccessFile f = new RandomAccessFile(zeros.toFile(), "rw")) {
      f.setLength(3L << 30); // sparse: costs no disk
    }
    assertTrue(refused(zeros, WeightsFile.limit()).contains("3221225472 bytes, more than"));
  }

  @Test
  void devicesAndFoldersAreRefused() {
    assertTrue(refused(Path.of("/dev/zero"), WeightsFile.limit()).contains("not a regular file"));
    refused(dir, WeightsFile.limit());
  }

  @Test
  void theLimitBoundsTheReadAndSmallFilesAreRead() throws Exception {
    Path small = Files.write(dir.resolve("w.safetensors"), new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, WeightsFile.read(small, "w", 3));
    assertTrue(refused(small, 2).contains("3 bytes, more than the 2 bytes"));
    assertTrue(WeightsFile.limit() <= WeightsFile.MAX_BYTES);
  }
}
