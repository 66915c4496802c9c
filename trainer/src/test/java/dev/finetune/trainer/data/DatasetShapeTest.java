package dev.finetune.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.DatasetFormat;
import dev.finetune.api.v1alpha1.spec.DatasetSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.fetch.ArchiveLimits;
import dev.finetune.trainer.data.fetch.Fetcher;
import dev.finetune.trainer.data.fetch.RetryPolicy;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, classes 4 and 10: one class (a folder, IDX with one label, or one chosen class), IDX
 * classes without training images and an IDX test file with zero images are refused with
 * DATASET_INVALID before training, as imagefolder's empty folders are.
 */
class DatasetShapeTest {
  @TempDir Path dir;

  private Fetcher fetcher() {
    return new Fetcher(
        dir.resolve("cache"),
        b -> {
          throw new AssertionError("no s3 here");
        },
        Fetcher.ALL_SCHEMES,
        Map.of(),
        ArchiveLimits.DEFAULT,
        new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(5)));
  }

  private String fails(DatasetSpec s) {
    TrainerException e =
        assertThrows(TrainerException.class, () -> DatasetLoader.load(s, 1, fetcher()));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode(), e.getMessage());
    return e.getMessage();
  }

  private DatasetSpec folders(String... classes) {
    TestDatasets.imageFolder(dir.resolve("f/train"), 3, classes);
    TestDatasets.imageFolder(dir.resolve("f/test"), 2, classes);
    DatasetSpec s = new DatasetSpec();
    s.train = "file://" + dir.resolve("f/train");
    s.test = "file://" + dir.resolve("f/test");
    return s;
  }

  private DatasetSpec idx(int[] trainLabels, int testImages, int[] testLabels) throws Exception {
    TestDatasets.write(
        dir.resolve("i/train-images-idx3-ubyte"),
        TestDatasets.idxImages(trainLabels.length, trainLabels.length, 3, 3),
        false);
    TestDatasets.write(
        dir.resolve("i/train-labels-idx1-ubyte"), TestDatasets.idxLabels(trainLabels), false);
    TestDatasets.write(
        dir.resolve("i/t10k-images-idx3-ubyte"),
        TestDatasets.idxImages(testImages, testImages, 3, 3),
        false);
    TestDatasets.write(
        dir.resolve("i/t10k-labels-idx1-ubyte"), TestDatasets.idxLabels(testLabels), false);
    DatasetSpec s = new DatasetSpec();
    s.format = DatasetFormat.IDX;
    s.train = "file://" + dir.resolve("i/train-images-idx3-ubyte");
    s.test = "file://" + dir.resolve("i/t10k-images-idx3-ubyte");
    return s;
  }

  @Test
  void oneClassFolderIsRefused() {
    assertTrue(fails(folders("hotdog")).contains("at least 2 classes"));
  }

  @Test
  void oneChosenClassIsRefused() {
    DatasetSpec s = folders("cat", "dog");
    s.classes = List.of("dog");
    assertTrue(fails(s).contains("at least 2 classes"));
  }

  @Test
  void idxWithOneLabelIsRefused() throws Exception {
    assertTrue(fails(idx(new int[] {0, 0, 0}, 2, new int[] {0, 0})).contains("at least 2"));
  }

  @Test
  void idxClassesWithoutTrainingImagesAreRefused() throws Exception {
    String m = fails(idx(new int[] {0, 3, 0, 3}, 2, new int[] {0, 3}));
    assertTrue(m.contains("no images of 2 class(es): [1, 2]"), m);
  }

  @Test
  void idxTestFileWithZeroImagesIsRefused() throws Exception {
    String m = fails(idx(new int[] {0, 1, 0, 1}, 0, new int[] {}));
    assertTrue(m.contains("spec.dataset.test has no images"), m);
  }

  @Test
  void twoClassesLoad() throws Exception {
    assertEquals(
        2,
        DatasetLoader.load(idx(new int[] {0, 1}, 1, new int[] {1}), 1, fetcher()).classes().size());
  }
}
