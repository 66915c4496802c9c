package dev.finetune.trainer.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.trainer.data.format.RgbImage;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A decoder's interleaved pixels and the same image as planes give the same bytes through every
 * transform: the resampler reads interleaved pixels in place (no plane copy, no cropped copy), and
 * must not change a pixel by doing so. TorchvisionParityTest holds the planes to PIL.
 */
class InterleavedInputTest {
  /** A noisy image, as planes and as interleaved pixels. */
  static RgbImage[] both(int w, int h, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int n = w * h;
    byte[] planes = new byte[3 * n];
    byte[] rgb = new byte[3 * n];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < 3; c++) {
        byte v = (byte) rng.nextInt(256);
        planes[c * n + i] = v;
        rgb[3 * i + c] = v;
      }
    }
    return new RgbImage[] {new RgbImage(w, h, planes), RgbImage.interleaved(w, h, rgb)};
  }

  @ParameterizedTest
  @CsvSource({
    "320, 240, 0, 0, 240, 320, 224, 224", // whole image, both passes
    "320, 240, 17, 31, 150, 201, 224, 224", // a box, upscaled
    "320, 240, 5, 9, 200, 300, 64, 64", // a box, downscaled (antialias support > 1)
    "320, 240, 10, 20, 100, 100, 100, 64", // vertical pass only
    "320, 240, 10, 20, 100, 100, 64, 100", // horizontal pass only
    "320, 240, 10, 20, 100, 100, 100, 100", // neither: a crop
    "320, 240, -8, -6, 256, 340, 224, 224", // outside the image: zero padding, then resize
    "1, 1, 0, 0, 1, 1, 7, 3"
  })
  void resizingABoxIsTheSameForBothLayouts(
      int w, int h, int top, int left, int bh, int bw, int outW, int outH) {
    RgbImage[] img = both(w, h, w * 31L + top);
    RgbImage planar = Resampler.resize(img[0], top, left, bh, bw, outW, outH);
    RgbImage fromRgb = Resampler.resize(img[1], top, left, bh, bw, outW, outH);
    assertEquals(outW, fromRgb.width());
    assertEquals(outH, fromRgb.height());
    assertArrayEquals(planar.planes(), fromRgb.planes());
    // and the same as PIL's crop(box).resize(size), the two steps the one call replaces
    RgbImage twoSteps = Resampler.resize(Resampler.crop(img[0], top, left, bh, bw), outW, outH);
    assertArrayEquals(twoSteps.planes(), planar.planes());
  }

  /**
   * The horizontal pass against PIL's loop as Pillow writes it (each window its own length, no
   * padding): the fixed-tap kernels (3, 5 and the general loop, and inputs narrower than the
   * filter) must give the same bytes.
   */
  @ParameterizedTest
  @CsvSource({
    "150, 224", // upscale: 3 taps
    "300, 224", // 1.34x down: 5 taps
    "500, 224", // 2.2x down: 7 taps, the loop
    "2, 1", // an input narrower than the filter (5 taps, 2 columns)
    "3, 1",
    "1, 9"
  })
  void theHorizontalPassEqualsPillowsLoop(int inW, int outW) {
    RgbImage[] img = both(inW, 7, inW);
    RgbImage ours = Resampler.resize(img[1], outW, 7);
    Resampler.Coeffs co = Resampler.coeffs(inW, outW);
    byte[] in = img[0].planes();
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 7; y++) {
        for (int xx = 0; xx < outW; xx++) {
          int xmin = co.bounds[2 * xx];
          int n = co.bounds[2 * xx + 1];
          int ss = 1 << (Resampler.PRECISION_BITS - 1);
          for (int x = 0; x < n; x++) {
            ss += (in[(c * 7 + y) * inW + xmin + x] & 0xff) * co.kk[xx * co.ksize + x];
          }
          assertEquals(pillowClip8(ss), ours.get(c, y, xx), "c " + c + " y " + y + " x " + xx);
        }
      }
    }
  }

  /** Pillow's clip8, as Resample.c writes it. */
  static int pillowClip8(int in) {
    if (in >= (1 << Resampler.PRECISION_BITS << 8)) {
      return 255;
    }
    if (in <= 0) {
      return 0;
    }
    return in >> Resampler.PRECISION_BITS;
  }

  @ParameterizedTest
  @CsvSource({"0, 0, 240, 320", "3, 4, 50, 60", "-5, -7, 260, 340", "230, 310, 20, 20"})
  void croppingIsTheSameForBothLayouts(int top, int left, int h, int w) {
    RgbImage[] img = both(320, 240, 7);
    assertArrayEquals(
        Resampler.crop(img[0], top, left, h, w).planes(),
        Resampler.crop(img[1], top, left, h, w).planes());
  }

  @ParameterizedTest
  @CsvSource({"true", "false"})
  void wholeChainsAreTheSameForBothLayouts(boolean training) {
    ImageTransformSpec spec = new ImageTransformSpec();
    if (training) {
      spec.randomResizedCrop = 224;
      spec.horizontalFlip = true;
    } else {
      spec.resize = ResizeSpec.shorterSide(256);
      spec.centerCrop = 224;
    }
    ImagePipeline p = ImagePipeline.of(spec, null, "spec.transforms.x", training);
    for (long seed = 0; seed < 20; seed++) {
      RgbImage[] img = both(500, 375, seed);
      assertArrayEquals(
          p.apply(img[0], new SplittableRandom(seed)),
          p.apply(img[1], new SplittableRandom(seed)),
          "seed " + seed);
    }
  }

  @ParameterizedTest
  @CsvSource({"0, 0, 0", "2, 4, 5", "1, 3, 0"})
  void pixelsReadTheSame(int c, int y, int x) {
    RgbImage[] img = both(6, 5, 3);
    assertEquals(img[0].get(c, y, x), img[1].get(c, y, x));
  }

  @org.junit.jupiter.api.Test
  void planesOfInterleavedPixelsAreMadeOnceAndPlanesHaveNoInterleavedView() {
    RgbImage[] img = both(4, 3, 1);
    assertTrue(img[1].isInterleaved());
    assertFalse(img[0].isInterleaved());
    assertTrue(img[1].planes() == img[1].planes());
    assertArrayEquals(img[0].planes(), img[1].planes());
    assertThrows(IllegalStateException.class, img[0]::interleavedPixels);
  }
}
