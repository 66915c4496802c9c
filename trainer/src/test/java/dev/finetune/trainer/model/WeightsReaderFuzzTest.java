package dev.finetune.trainer.model;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.finetune.trainer.testing.Fuzzing;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the weights reader: the safetensors header check, then the conversion of every tensor
 * (F32, F64, F16, BF16) to float32 that replaced libtorch's decoder (it aborted the JVM on BF16).
 * Seeds include BF16, F16 and mixed-dtype files. Every accepted tensor must convert to exactly its
 * element count of floats; any other dtype must be refused with WEIGHTS_INVALID.
 */
@Tag("fuzz")
class WeightsReaderFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void read(byte[] file) {
    Fuzzing.typedErrorsOnly(
        () -> {
          SafetensorsHeader h = SafetensorsHeader.parse(file, "fuzz.safetensors");
          for (Map.Entry<String, long[]> e : h.ranges.entrySet()) {
            long[] range = e.getValue();
            long elements = 1;
            for (long d : h.shapes.get(e.getKey())) {
              elements *= d;
            }
            ByteBuffer floats =
                Weights.toFloat32(
                    file,
                    (int) range[0],
                    (int) (range[1] - range[0]),
                    h.dtypes.get(e.getKey()),
                    "fuzz.safetensors",
                    e.getKey());
            if (floats.remaining() != elements * 4) {
              throw new AssertionError(
                  e.getKey() + ": " + floats.remaining() + " bytes for " + elements + " elements");
            }
          }
        });
  }
}
