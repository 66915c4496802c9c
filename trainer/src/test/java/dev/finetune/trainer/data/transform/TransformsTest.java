package dev.finetune.trainer.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.NormalizeSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.api.v1alpha1.spec.TransformsSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.error.TrainerException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransformsTest {
  /** Scripted draws: uniform() maps the next fraction into [lo, hi); upTo() returns min. */
  private static final class Script implements RandomResizedCrop.Draws {
    final Deque<Double> fractions = new ArrayDeque<>();
    final Deque<Integer> ints = new ArrayDeque<>();
    final List<Integer> bounds = new java.util.ArrayList<>();

    Script(double[] f, int... i) {
      for (double d : f) {
        fractions.add(d);
      }
      for (int v : i) {
        ints.add(v);
      }
    }

    @Override
    public double uniform(double lo, double hi) {
      return lo + (hi - lo) * fractions.removeFirst();
    }

    @Override
    public int upTo(int bound) {
      bounds.add(bound);
      return Math.min(bound, ints.removeFirst());
    }
  }

  private static double[] repeat(int n, double a, double b) {
    double[] out = new double[2 * n];
    for (int i = 0; i < n; i++) {
      out[2 * i] = a;
      out[2 * i + 1] = b;
    }
    return out;
  }

  @Test
  void randomResizedCropInRange() {
    // scale 0.5 of 100x200, aspect exp(0) = 1 -> 100x100 at i = randint(0, 0), j = randint(0, 100)
    Script s = new Script(new double[] {0.42 / 0.92, 0.5}, 0, 37);
    assertEquals(new RandomResizedCrop.Box(0, 37, 100, 100), RandomResizedCrop.params(100, 200, s));
    assertEquals(List.of(0, 100), s.bounds);
  }

  @Test
  void randomResizedCropRetriesThenSucceeds() {
    // first attempt: full area at aspect 4/3 on a square image -> w = 12 > 10, rejected
    double[] f = {1.0, 1.0, 0.42 / 0.92, 0.5};
    Script s = new Script(f, 2, 3);
    // area 50 at aspect 1: w = h = round(7.07) = 7; i in 0..3, j in 0..3
    assertEquals(new RandomResizedCrop.Box(2, 3, 7, 7), RandomResizedCrop.params(10, 10, s));
  }

  @ParameterizedTest(name = "{0}x{1} -> fallback box {2},{3} {4}x{5}")
  @CsvSource({
    // height, width, top, left, h, w
    "10, 1000, 0, 493, 10, 13", // too wide: h = H, w = round(H * 4/3)
    "1000, 10, 493, 0, 13, 10", // too tall: w = W, h = round(W / (3/4))
    "10, 10, 0, 0, 10, 10"
  }) // ratio in range: whole image
  void randomResizedCropFallback(int height, int width, int top, int left, int h, int w) {
    Script s = new Script(repeat(10, 1.0, 1.0));
    assertEquals(
        new RandomResizedCrop.Box(top, left, h, w), RandomResizedCrop.params(height, width, s));
  }

  @Test
  void randomResizedCropBoxesStayInside() {
    SplittableRandom rng = new SplittableRandom(7);
    for (int k = 0; k < 2000; k++) {
      int h = 1 + rng.nextInt(300);
      int w = 1 + rng.nextInt(300);
      RandomResizedCrop.Box b = RandomResizedCrop.params(h, w, rng);
      assertTrue(
          b.top() >= 0
              && b.left() >= 0
              && b.height() >= 1
              && b.width() >= 1
              && b.top() + b.height() <= h
              && b.left() + b.width() <= w,
          b + " in " + w + "x" + h);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "256, 500, 375, 341, 256",
    "256, 375, 500, 256, 341",
    "32, 97, 61, 50, 32",
    "7, 1, 1, 7, 7",
    "10, 3, 1000, 10, 3333"
  })
  void resizeOutputSize(int size, int w, int h, int ow, int oh) {
    assertArrayEquals(new int[] {ow, oh}, Resize.outputSize(size, w, h));
  }

  @ParameterizedTest
  @CsvSource({
    // size, width, height, top, left: round-half-even like Python's round
    "4, 5, 5, 0, 0", // (5-4)/2 = 0.5 -> 0
    "4, 7, 7, 2, 2", // 1.5 -> 2
    "4, 9, 6, 1, 2",
    "6, 3, 2, -2, -1"
  })
  void centerCropOffsets(int size, int w, int h, int top, int left) {
    assertArrayEquals(new int[] {top, left}, CenterCrop.offsets(size, w, h));
  }

  @Test
  void flipIsDrivenByTheRng() {
    RgbImage img = new RgbImage(2, 1, new byte[] {1, 2, 3, 4, 5, 6});
    assertArrayEquals(new byte[] {2, 1, 4, 3, 6, 5}, HorizontalFlip.mirror(img).planes());
    HorizontalFlip flip = new HorizontalFlip();
    int flipped = 0;
    for (int seed = 0; seed < 200; seed++) {
      RgbImage a = flip.apply(img, new SplittableRandom(seed));
      RgbImage b = flip.apply(img, new SplittableRandom(seed));
      assertArrayEquals(a.planes(), b.planes());
      flipped += a.planes()[0] == 2 ? 1 : 0;
    }
    assertTrue(flipped > 60 && flipped < 140, "flipped " + flipped + " of 200");
  }

  private static TrainerException invalid(Runnable r) {
    TrainerException e = assertThrows(TrainerException.class, r::run);
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode(), e.getMessage());
    return e;
  }

  @Test
  void specValidation() {
    TransformsSpec t = new TransformsSpec();
    t.normalize = new NormalizeSpec();
    t.normalize.std = List.of(0.2, 0.0, 0.2);
    assertTrue(
        invalid(() -> ImagePipeline.forTraining(t))
            .getMessage()
            .startsWith("spec.transforms.normalize.std[1] must be"));
    t.normalize.std = List.of(0.2, 0.2);
    assertTrue(
        invalid(() -> ImagePipeline.forTest(t))
            .getMessage()
            .startsWith("spec.transforms.normalize.std must have exactly 3 values"));
    TransformsSpec r = new TransformsSpec();
    r.test = new ImageTransformSpec();
    r.test.randomResizedCrop = 224;
    assertTrue(
        invalid(() -> ImagePipeline.forTest(r))
            .getMessage()
            .startsWith("spec.transforms.test.randomResizedCrop"));
    r.train = new ImageTransformSpec();
    r.train.resize = ResizeSpec.shorterSide(5000);
    assertEquals(
        "spec.transforms.train.resize must be an integer 1..4096 (shorter side) or"
            + " [height, width] with each 1..4096, got 5000",
        invalid(() -> ImagePipeline.forTraining(r)).getMessage());
    r.train.resize = new ResizeSpec(List.of(256, 256, 3));
    assertTrue(
        invalid(() -> ImagePipeline.forTraining(r)).getMessage().endsWith("got a list of 3"));
    r.train.resize = new ResizeSpec(List.of(256, 0));
    assertTrue(invalid(() -> ImagePipeline.forTraining(r)).getMessage().endsWith("got [256, 0]"));
    r.train.resize = new ResizeSpec("256");
    assertTrue(invalid(() -> ImagePipeline.forTraining(r)).getMessage().endsWith("got \"256\""));
  }

  @Test
  void fixedSizeFollowsTheLastCrop() {
    assertEquals(224, ImagePipeline.forTraining(null).fixedSize().getAsInt());
    assertEquals(224, ImagePipeline.forTest(null).fixedSize().getAsInt());
    TransformsSpec t = new TransformsSpec();
    t.test = new ImageTransformSpec();
    t.test.resize = ResizeSpec.shorterSide(32);
    assertTrue(ImagePipeline.forTest(t).fixedSize().isEmpty());
    t.test.resize = ResizeSpec.exact(256, 256);
    t.test.centerCrop = 224;
    ImagePipeline d2l = ImagePipeline.forTest(t);
    assertEquals("spec.transforms.test[Resize([256, 256]), CenterCrop(224)]", d2l.toString());
    assertEquals(224, d2l.fixedSize().getAsInt());
  }
}
