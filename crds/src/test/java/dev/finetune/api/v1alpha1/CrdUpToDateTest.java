package dev.finetune.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed CRD must be exactly what the build generates from the annotated types. */
class CrdUpToDateTest {
  static final Path GENERATED =
      Path.of("target/classes/META-INF/fabric8/finetunejobs.finetune.dev-v1.yml");
  static final Path COMMITTED = Path.of("finetunejobs.finetune.dev-v1.yml");

  @Test
  void committedCrdMatchesGenerated() throws IOException {
    assertTrue(Files.exists(GENERATED), "the build did not generate " + GENERATED
        + "; run it through Maven (GenerateCrd runs in process-test-classes)");
    List<String> generated = Files.readAllLines(GENERATED);
    List<String> committed = Files.exists(COMMITTED) ? Files.readAllLines(COMMITTED) : List.of();
    if (!generated.equals(committed)) {
      int line = 0;
      while (line < Math.min(generated.size(), committed.size())
          && generated.get(line).equals(committed.get(line))) {
        line++;
      }
      fail("crds/" + COMMITTED + " is out of date with the API types (first difference at line "
          + (line + 1) + ").\nRefresh it with:\n  mvn -B -pl crds process-test-classes && cp "
          + "crds/" + GENERATED + " crds/" + COMMITTED + "\nand commit the result.");
    }
  }
}
