package dev.finetune.trainer.spec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.finetune.trainer.testing.Fuzzing;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;

/** Fuzzes the strict manifest parser and the validator behind it (see {@link Fuzzing}). */
@Tag("fuzz")
class JobLoaderFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void parse(byte[] yaml) {
    Fuzzing.typedErrorsOnly(
        () -> JobLoader.parse(new String(yaml, StandardCharsets.UTF_8), "fuzz.yaml"));
  }
}
