package dev.finetune.trainer.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.finetune.trainer.testing.Fuzzing;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the safetensors header check that runs before any tensor is allocated, for source weights
 * and checkpoints alike (see {@link Fuzzing}). Every tensor it accepts must lie inside the file:
 * that is what makes the later native decode safe.
 */
@Tag("fuzz")
class SafetensorsFuzzTest {
  /** Bytes per element, written out here rather than read from the class under test. */
  private static final java.util.Map<String, Integer> BYTES =
      java.util.Map.of(
          "F64", 8, "F32", 4, "F16", 2, "BF16", 2, "I64", 8, "I32", 4, "I16", 2, "I8", 1, "U8", 1,
          "BOOL", 1);

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void header(byte[] file) {
    Fuzzing.typedErrorsOnly(
        () -> check(SafetensorsHeader.parse(file, "fuzz.safetensors"), file.length));
  }

  /**
   * Every accepted tensor's bytes lie inside the file and are exactly its element count times its
   * dtype's size (issue 24: element counts used to be compared with the file's byte count, so a
   * tensor whose bytes did not match its dtype passed).
   */
  static void check(SafetensorsHeader h, long fileLength) {
    for (var e : h.shapes.entrySet()) {
      java.math.BigInteger elements = java.math.BigInteger.ONE;
      for (long d : e.getValue()) {
        elements = elements.multiply(java.math.BigInteger.valueOf(d));
      }
      Integer size = BYTES.get(h.dtypes.get(e.getKey()));
      if (size == null) {
        throw new AssertionError("accepted unknown dtype " + h.dtypes.get(e.getKey()));
      }
      long[] range = h.ranges.get(e.getKey());
      if (range == null || range[0] < 0 || range[0] > range[1] || range[1] > fileLength) {
        throw new AssertionError("accepted a tensor outside the file: " + e.getKey());
      }
      java.math.BigInteger bytes = elements.multiply(java.math.BigInteger.valueOf(size));
      if (!bytes.equals(java.math.BigInteger.valueOf(range[1] - range[0]))) {
        throw new AssertionError(
            "accepted "
                + e.getKey()
                + " with "
                + (range[1] - range[0])
                + " bytes for "
                + elements
                + " elements of "
                + size
                + " bytes");
      }
    }
  }
}
