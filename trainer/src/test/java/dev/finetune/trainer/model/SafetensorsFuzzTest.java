package dev.finetune.trainer.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;
import dev.finetune.trainer.testing.Fuzzing;

/**
 * Fuzzes the safetensors header check that runs before any tensor is allocated, for source
 * weights and checkpoints alike (see {@link Fuzzing}). Every tensor it accepts must lie inside
 * the file: that is what makes the later native decode safe.
 */
@Tag("fuzz")
class SafetensorsFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void header(byte[] file) {
    Fuzzing.typedErrorsOnly(() -> {
      SafetensorsHeader h = SafetensorsHeader.parse(file, "fuzz.safetensors");
      for (long[] shape : h.shapes.values()) {
        java.math.BigInteger elements = java.math.BigInteger.ONE;
        for (long d : shape) {
          elements = elements.multiply(java.math.BigInteger.valueOf(d));
        }
        if (elements.compareTo(java.math.BigInteger.valueOf(file.length)) > 0) {
          throw new AssertionError("accepted a tensor larger than the file");
        }
      }
    });
  }
}
