package dev.finetune.trainer.data.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.finetune.trainer.testing.Fuzzing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the IDX reader (see {@link Fuzzing}): the input is the images file (raw, or gzipped when
 * it starts with the gzip magic); the labels file is the first input bytes, so both headers are
 * exercised.
 */
@Tag("fuzz")
class IdxReaderFuzzTest {
  private static Path dir;

  @BeforeAll
  static void tempDir() throws IOException {
    dir = Files.createTempDirectory("idx-fuzz");
  }

  @AfterAll
  static void cleanUp() throws IOException {
    for (String f : new String[] {"images", "labels"}) {
      Files.deleteIfExists(dir.resolve(f));
    }
    Files.deleteIfExists(dir);
  }

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void read(byte[] input) throws IOException {
    Path images = Files.write(dir.resolve("images"), input);
    int count = input.length >= 8 ? ((input[4] & 0xff) << 8 | (input[7] & 0xff)) : 0;
    byte[] labels = new byte[8 + count];
    labels[3] = 1;
    labels[2] = 8; // magic 0x00000801
    labels[6] = (byte) (count >>> 8);
    labels[7] = (byte) count;
    Path labelsFile = Files.write(dir.resolve("labels"), labels);
    Fuzzing.typedErrorsOnly(() -> IdxReader.read(images, labelsFile));
    Fuzzing.typedErrorsOnly(() -> IdxReader.read(labelsFile, images));
  }
}
