package dev.finetune.trainer.data.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.api.v1alpha1.spec.TransformsSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.TestImages;
import dev.finetune.trainer.data.format.BadImageException;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.data.split.FileSplit;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchStreamTest {
  @TempDir Path dir;

  /** Image i is a small generated picture, label i % 3; indices in {@code bad} fail. */
  private static class FakeSplit implements Split {
    final int n;
    final Set<Integer> bad;

    FakeSplit(int n, Integer... bad) {
      this.n = n;
      this.bad = new HashSet<>(Arrays.asList(bad));
    }

    @Override
    public int size() {
      return n;
    }

    @Override
    public int label(int i) {
      return i % 3;
    }

    @Override
    public String describe(int i) {
      return "img" + i;
    }

    @Override
    public RgbImage decode(int i) {
      if (bad.contains(i)) {
        throw new BadImageException("img" + i, "broken");
      }
      byte[] p = new byte[3 * 6 * (5 + i % 4)];
      for (int k = 0; k < p.length; k++) {
        p[k] = (byte) (i * 7 + k);
      }
      return new RgbImage(5 + i % 4, 6, p);
    }
  }

  private static final ImagePipeline TRAIN = ImagePipeline.forTraining(train(4));

  private static TransformsSpec train(int crop) {
    TransformsSpec t = new TransformsSpec();
    t.train = new ImageTransformSpec();
    t.train.randomResizedCrop = crop;
    t.train.horizontalFlip = true;
    return t;
  }

  private static List<HostBatch> all(BatchStream s) {
    List<HostBatch> out = new ArrayList<>();
    try (s) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  private static void assertSame(List<HostBatch> a, List<HostBatch> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).index(), b.get(i).index());
      assertArrayEquals(a.get(i).labels(), b.get(i).labels());
      assertArrayEquals(a.get(i).pixels(), b.get(i).pixels());
    }
  }

  @ParameterizedTest
  @CsvSource({"10, 4, 3", "9, 4, 2", "8, 4, 2", "1, 4, 0", "2, 4, 1", "5, 1, 5", "0, 3, 0"})
  void batchesPerEpochDropsOnlyALoneLastImage(int size, int batch, int expected) {
    assertEquals(expected, BatchStream.batchesPerEpoch(size, batch));
    List<HostBatch> b =
        all(
            BatchStream.training(
                new FakeSplit(size), TRAIN, batch, 1, 0, 0, 0, BadImagePolicy.DEFAULT));
    assertEquals(expected, b.size());
  }

  @Test
  void trainingIsDeterministicAcrossWorkerCounts() {
    FakeSplit split = new FakeSplit(23);
    List<HostBatch> inline =
        all(BatchStream.training(split, TRAIN, 4, 7, 2, 0, 0, BadImagePolicy.DEFAULT));
    List<HostBatch> threads =
        all(BatchStream.training(split, TRAIN, 4, 7, 2, 0, 3, BadImagePolicy.DEFAULT));
    assertSame(inline, threads);
    assertEquals(6, inline.size());
    assertEquals(3, inline.get(5).count());
    assertEquals(4 * 3 * 4 * 4, inline.get(0).pixels().length);
    int total = 0;
    for (HostBatch b : inline) {
      total += b.count();
    }
    assertEquals(23, total);
    List<HostBatch> otherEpoch =
        all(BatchStream.training(split, TRAIN, 4, 7, 3, 0, 2, BadImagePolicy.DEFAULT));
    assertFalse(Arrays.equals(inline.get(0).pixels(), otherEpoch.get(0).pixels()));
  }

  @Test
  void startBatchIsTheTailOfTheEpoch() {
    FakeSplit split = new FakeSplit(30);
    List<HostBatch> full =
        all(BatchStream.training(split, TRAIN, 4, 11, 1, 0, 2, BadImagePolicy.DEFAULT));
    List<HostBatch> tail =
        all(BatchStream.training(split, TRAIN, 4, 11, 1, 5, 2, BadImagePolicy.DEFAULT));
    assertSame(full.subList(5, full.size()), tail);
    assertEquals(5, tail.get(0).index());
  }

  @Test
  void evaluationIsInOrder() {
    TransformsSpec t = new TransformsSpec();
    t.test = new ImageTransformSpec();
    t.test.resize = ResizeSpec.shorterSide(8);
    t.test.centerCrop = 6;
    List<HostBatch> b =
        all(BatchStream.evaluation(new FakeSplit(7), ImagePipeline.forTest(t), 3, 2));
    assertEquals(3, b.size());
    assertArrayEquals(new int[] {0, 1, 2}, b.get(0).labels());
    assertEquals(1, b.get(2).count());
    assertEquals(6, b.get(2).height());
  }

  @Test
  void differentSizesWithoutCropFailAtBatchTime() {
    TransformsSpec t = new TransformsSpec();
    t.test = new ImageTransformSpec();
    t.test.resize = ResizeSpec.shorterSide(8);
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> all(BatchStream.evaluation(new FakeSplit(4), ImagePipeline.forTest(t), 4, 0)));
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode());
    assertTrue(
        e.getMessage()
            .startsWith(
                "spec.transforms.test needs centerCrop or"
                    + " randomResizedCrop, unless all images have the same size"),
        e.getMessage());
  }

  @Test
  void badImagesAreSkippedDeterministically() {
    FakeSplit split = new FakeSplit(40, 3, 17);
    BatchStream s = BatchStream.training(split, TRAIN, 8, 5, 0, 0, 2, new BadImagePolicy(5));
    List<HostBatch> a = all(s);
    assertEquals(2, s.skipped());
    assertEquals(38, a.stream().mapToInt(HostBatch::count).sum());
    assertSame(a, all(BatchStream.training(split, TRAIN, 8, 5, 0, 0, 0, new BadImagePolicy(5))));
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> all(BatchStream.training(split, TRAIN, 8, 5, 0, 0, 2, new BadImagePolicy(4))));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode());
    assertTrue(
        e.getMessage().contains("2 of 40") && e.getMessage().contains("img"), e.getMessage());
  }

  @Test
  void truncatedAndEmptyFilesAreCountedThenFail() throws Exception {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      files.add(TestImages.write(dir.resolve("c/" + i + ".png"), TestImages.rgb(9, 9, i), "png"));
    }
    byte[] jpg = TestImages.encode(TestImages.rgb(40, 40, 1), "jpg");
    files.add(Files.write(dir.resolve("c/cut.jpg"), Arrays.copyOf(jpg, jpg.length / 2)));
    files.add(Files.write(dir.resolve("c/empty.png"), new byte[0]));
    FileSplit split = new FileSplit(files, new int[10], new ImageDecoder());
    BatchStream ok = BatchStream.training(split, TRAIN, 5, 1, 0, 0, 2, new BadImagePolicy(20));
    assertEquals(8, all(ok).stream().mapToInt(HostBatch::count).sum());
    assertEquals(2, ok.skipped());
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> all(BatchStream.training(split, TRAIN, 5, 1, 0, 0, 2, new BadImagePolicy(10))));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode());
    assertTrue(
        e.getMessage().contains("2 of 10")
            && (e.getMessage().contains("cut.jpg") || e.getMessage().contains("empty.png")),
        e.getMessage());
  }

  @Test
  void workerFailuresPropagateAndCloseIsPrompt() {
    Split failing =
        new FakeSplit(10) {
          @Override
          public RgbImage decode(int i) {
            throw new IllegalStateException("boom " + i);
          }
        };
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> all(BatchStream.training(failing, TRAIN, 4, 1, 0, 0, 2, BadImagePolicy.DEFAULT)));
    assertTrue(e.getMessage().startsWith("boom"));

    CountDownLatch started = new CountDownLatch(1);
    Split slow =
        new FakeSplit(100) {
          @Override
          public RgbImage decode(int i) {
            started.countDown();
            try {
              Thread.sleep(60_000);
            } catch (InterruptedException ie) {
              throw new BadImageException("img" + i, "interrupted");
            }
            return super.decode(i);
          }
        };
    assertTimeoutPreemptively(
        Duration.ofSeconds(5),
        () -> {
          BatchStream s = BatchStream.training(slow, TRAIN, 4, 1, 0, 0, 2, BadImagePolicy.DEFAULT);
          started.await();
          s.close();
          assertFalse(s.hasNext());
        });
  }
}
