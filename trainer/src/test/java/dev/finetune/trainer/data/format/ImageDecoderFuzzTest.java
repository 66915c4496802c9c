package dev.finetune.trainer.data.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.finetune.trainer.testing.Fuzzing;
import org.junit.jupiter.api.Tag;

/** Fuzzes image decoding (ImageIO's PNG/JPEG/GIF/BMP readers behind it; see {@link Fuzzing}). */
@Tag("fuzz")
class ImageDecoderFuzzTest {
  private static final ImageDecoder DECODER = new ImageDecoder(4_000_000L);

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void decode(byte[] bytes) {
    Fuzzing.typedErrorsOnly(() -> DECODER.decode(bytes, "fuzz.img"));
  }
}
