package dev.finetune.trainer.data.fetch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.finetune.trainer.testing.Fuzzing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes safe extraction (see {@link Fuzzing}): the input is a zip when it starts with "PK", a
 * tar.gz when it starts with the gzip magic, else a plain tar. Small limits keep each run cheap;
 * nothing may land outside the target folder.
 */
@Tag("fuzz")
class ArchiveExtractorFuzzTest {
  private static final ArchiveExtractor EXTRACTOR =
      new ArchiveExtractor(new ArchiveLimits(1 << 20, 64, 1 << 18));
  private static Path dir;

  @BeforeAll
  static void tempDir() throws IOException {
    dir = Files.createTempDirectory("archive-fuzz");
  }

  @AfterAll
  static void cleanUp() throws IOException {
    delete(dir);
  }

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void extract(byte[] input) throws IOException {
    String ext =
        input.length > 1 && input[0] == 'P' && input[1] == 'K'
            ? ".zip"
            : input.length > 1 && (input[0] & 0xff) == 0x1f && (input[1] & 0xff) == 0x8b
                ? ".tar.gz"
                : ".tar";
    Path work = Files.createDirectories(dir.resolve("run"));
    try {
      Path archive = Files.write(work.resolve("in" + ext), input);
      Path target = work.resolve("out");
      Fuzzing.typedErrorsOnly(() -> EXTRACTOR.extract(archive, "fuzz" + ext, target));
      try (Stream<Path> s = Files.walk(work)) {
        s.forEach(
            p -> {
              if (!p.startsWith(target) && !p.equals(work) && !p.equals(archive)) {
                throw new AssertionError("written outside the target: " + p);
              }
            });
      }
    } finally {
      delete(work);
    }
  }

  private static void delete(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
