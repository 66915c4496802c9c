package dev.finetune.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed CRDs must be exactly what the build generates from the annotated types. */
class CrdUpToDateTest {
  static final Path GENERATED =
      Path.of("target/classes/META-INF/fabric8/finetunejobs.finetune.dev-v1.yml");
  static final Path COMMITTED = Path.of("finetunejobs.finetune.dev-v1.yml");
  static final Path SWEEP_GENERATED =
      Path.of("target/classes/META-INF/fabric8/finetunesweeps.finetune.dev-v1.yml");
  static final Path SWEEP_COMMITTED = Path.of("finetunesweeps.finetune.dev-v1.yml");

  @Test
  void committedCrdMatchesGenerated() throws IOException {
    same(GENERATED, COMMITTED);
  }

  @Test
  void committedSweepCrdMatchesGenerated() throws IOException {
    same(SWEEP_GENERATED, SWEEP_COMMITTED);
  }

  private static void same(Path generatedFile, Path committedFile) throws IOException {
    assertTrue(
        Files.exists(generatedFile),
        "the build did not generate "
            + generatedFile
            + "; run it through Maven (GenerateCrd runs in process-test-classes)");
    List<String> generated = Files.readAllLines(generatedFile);
    List<String> committed =
        Files.exists(committedFile) ? Files.readAllLines(committedFile) : List.of();
    if (!generated.equals(committed)) {
      int line = 0;
      while (line < Math.min(generated.size(), committed.size())
          && generated.get(line).equals(committed.get(line))) {
        line++;
      }
      fail(
          "crds/"
              + committedFile
              + " is out of date with the API types (first difference at"
              + " line "
              + (line + 1)
              + ").\nRefresh it with:\n  mvn -B -pl crds process-test-classes && cp "
              + "crds/"
              + generatedFile
              + " crds/"
              + committedFile
              + "\nand commit the result.");
    }
  }
}
