package dev.finetune.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.DatasetFormat;
import dev.finetune.api.v1alpha1.spec.DatasetSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.testsupport.Required;
import dev.finetune.trainer.data.fetch.ArchiveLimits;
import dev.finetune.trainer.data.fetch.Fetcher;
import dev.finetune.trainer.data.fetch.RetryPolicy;
import dev.finetune.trainer.data.format.IdxReader;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetLoaderTest {
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

  private static DatasetSpec spec(String train, String test) {
    DatasetSpec s = new DatasetSpec();
    s.train = train;
    s.test = test;
    return s;
  }

  private String uri(Path p) {
    return "file://" + p;
  }

  private static TrainerException fails(ExitCode code, Runnable r) {
    TrainerException e = assertThrows(TrainerException.class, r::run);
    assertEquals(code, e.exitCode(), e.getMessage());
    return e;
  }

  @Test
  void imageFolderFromDirectory() {
    TestDatasets.imageFolder(dir.resolve("ds/train"), 4, "dog", "cat", "bird");
    TestDatasets.imageFolder(dir.resolve("ds/test"), 2, "dog", "cat", "bird");
    TestImages.write(dir.resolve("ds/train/cat/.hidden.png"), TestImages.rgb(3, 3, 0), "png");
    TestImages.write(dir.resolve("ds/train/.git/x.png"), TestImages.rgb(3, 3, 0), "png");
    LoadedDataset ds =
        DatasetLoader.load(
            spec(uri(dir.resolve("ds/train")), uri(dir.resolve("ds/test"))), 1, fetcher());
    assertEquals(List.of("bird", "cat", "dog"), ds.classes());
    assertEquals(12, ds.train().size());
    assertEquals(6, ds.test().size());
    assertEquals(0, ds.train().label(0));
    assertEquals(2, ds.train().label(11));
    assertTrue(ds.train().describe(4).endsWith("cat/0.png"), ds.train().describe(4));
    assertEquals(12, ds.train().decode(4).width());
  }

  @Test
  void imageFolderZipAndTarGzOverHttpWithSubPath() throws Exception {
    Path tree = TestDatasets.imageFolder(dir.resolve("tree/data/train"), 3, "a", "b");
    TestDatasets.imageFolder(dir.resolve("tree/data/test"), 2, "a", "b");
    List<TestArchives.Entry> entries = TestArchives.tree(dir.resolve("tree"), "");
    try (TestHttpServer http = new TestHttpServer()) {
      http.files.put(
          "/ds.zip", Files.readAllBytes(TestArchives.zip(dir.resolve("ds.zip"), entries)));
      http.files.put(
          "/ds.tar.gz", Files.readAllBytes(TestArchives.tarGz(dir.resolve("ds.tar.gz"), entries)));
      for (String name : List.of("/ds.zip", "/ds.tar.gz")) {
        LoadedDataset ds =
            DatasetLoader.load(
                spec(http.url(name) + "#data/train", http.url(name) + "#data/test"), 1, fetcher());
        assertEquals(List.of("a", "b"), ds.classes(), name);
        assertEquals(6, ds.train().size(), name);
        assertEquals(4, ds.test().size(), name);
        assertEquals(
            tree.resolve("a/0.png").getFileName(), Path.of(ds.train().describe(0)).getFileName());
        ds.train().decode(5);
      }
      assertEquals(2, http.requests.size(), "each archive downloaded once");
    }
  }

  @Test
  void classesMustMatchBetweenTrainAndTest() {
    TestDatasets.imageFolder(dir.resolve("train"), 1, "a", "b", "c");
    TestDatasets.imageFolder(dir.resolve("test"), 1, "a", "b", "d");
    TrainerException e =
        fails(
            ExitCode.DATASET_INVALID,
            () ->
                DatasetLoader.load(
                    spec(uri(dir.resolve("train")), uri(dir.resolve("test"))), 1, fetcher()));
    assertTrue(
        e.getMessage().contains("only in spec.dataset.train [c]")
            && e.getMessage().contains("only in spec.dataset.test [d]"),
        e.getMessage());
  }

  @Test
  void classSelectionOrdersLabels() {
    TestDatasets.imageFolder(dir.resolve("train"), 2, "a", "b", "c");
    TestDatasets.imageFolder(dir.resolve("test"), 1, "a", "b", "c", "d");
    DatasetSpec s = spec(uri(dir.resolve("train")), uri(dir.resolve("test")));
    s.classes = List.of("c", "a");
    LoadedDataset ds = DatasetLoader.load(s, 1, fetcher());
    assertEquals(List.of("c", "a"), ds.classes());
    assertEquals(4, ds.train().size());
    assertTrue(ds.train().describe(0).contains("/c/"));
    assertEquals(0, ds.train().label(0));
    assertEquals(1, ds.train().label(3));
    s.classes = List.of("a", "zebra");
    TrainerException e = fails(ExitCode.DATASET_INVALID, () -> DatasetLoader.load(s, 1, fetcher()));
    assertTrue(
        e.getMessage().contains("'zebra'") && e.getMessage().contains("[a, b, c]"), e.getMessage());
  }

  /**
   * Issue 24: a class folder whose name is not valid UTF-8 (Latin-1 "caf\xe9", made by the shell
   * since Java cannot write such a name) is refused naming the folder name as the problem. It used
   * to fail later with a message about images that cannot be decoded.
   */
  @Test
  void nonUtf8ClassFolderNameIsNamedAsTheProblem() throws Exception {
    TestDatasets.imageFolder(dir.resolve("train"), 2, "dog");
    TestDatasets.imageFolder(dir.resolve("test"), 1, "dog");
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "for s in train test; do"
                    + " mkdir \"$1/$s/$(printf 'caf\\351')\" && cp \"$1/$s\"/dog/* \"$1/$s/$(printf 'caf\\351')/\";"
                    + " done",
                "bash",
                dir.toString())
            .inheritIO()
            .start();
    assertEquals(0, p.waitFor(), "bash made the Latin-1 folders");
    TrainerException e =
        fails(
            ExitCode.DATASET_INVALID,
            () ->
                DatasetLoader.load(
                    spec(uri(dir.resolve("train")), uri(dir.resolve("test"))), 1, fetcher()));
    assertTrue(
        e.getMessage().contains("spec.dataset.train: class folder name 'caf?'"), e.getMessage());
    assertTrue(e.getMessage().contains("is not valid UTF-8"), e.getMessage());
  }

  @Test
  void emptyClassFolderIsNamed() throws Exception {
    TestDatasets.imageFolder(dir.resolve("train"), 1, "a");
    Files.createDirectories(dir.resolve("train/b"));
    Files.writeString(dir.resolve("train/b/readme.txt"), "x");
    TestDatasets.imageFolder(dir.resolve("test"), 1, "a", "b");
    TrainerException e =
        fails(
            ExitCode.DATASET_INVALID,
            () ->
                DatasetLoader.load(
                    spec(uri(dir.resolve("train")), uri(dir.resolve("test"))), 1, fetcher()));
    assertTrue(e.getMessage().contains(dir.resolve("train/b").toString()), e.getMessage());
  }

  @Test
  void limitPerClassIsDeterministic() {
    TestDatasets.imageFolder(dir.resolve("train"), 10, "a", "b");
    TestDatasets.imageFolder(dir.resolve("test"), 1, "a", "b");
    DatasetSpec s = spec(uri(dir.resolve("train")), uri(dir.resolve("test")));
    s.limitPerClass = 3;
    Split one = DatasetLoader.load(s, 42, fetcher()).train();
    Split two = DatasetLoader.load(s, 42, fetcher()).train();
    Split other = DatasetLoader.load(s, 43, fetcher()).train();
    assertEquals(6, one.size());
    assertEquals(describe(one), describe(two));
    assertNotEquals(describe(one), describe(other));
    assertEquals(3, describe(one).stream().filter(d -> d.contains("/a/")).count());
    List<String> sorted =
        describe(one).stream()
            .sorted(
                java.util.Comparator.comparing((String d) -> d.contains("/b/"))
                    .thenComparing(
                        d ->
                            Integer.parseInt(
                                Path.of(d).getFileName().toString().replaceAll("\\D", ""))))
            .toList();
    assertEquals(sorted, describe(one), "original order is kept");
    assertEquals(2, DatasetLoader.load(s, 1, fetcher()).test().size(), "test is not limited");
  }

  /**
   * validation.fraction: per class, round(fraction * n) held out after limitPerClass, the same for
   * a seed, never a training image, never a test image; another seed holds out others.
   */
  @Test
  void validationFractionIsSeededStratifiedAndDisjoint() {
    TestDatasets.imageFolder(dir.resolve("train"), 10, "a", "b");
    TestDatasets.imageFolder(dir.resolve("test"), 2, "a", "b");
    DatasetSpec s = spec(uri(dir.resolve("train")), uri(dir.resolve("test")));
    s.limitPerClass = 8;
    s.validation = new dev.finetune.api.v1alpha1.spec.ValidationSpec();
    s.validation.fraction = 0.25;
    LoadedDataset one = DatasetLoader.load(s, 42, fetcher());
    LoadedDataset two = DatasetLoader.load(s, 42, fetcher());
    LoadedDataset other = DatasetLoader.load(s, 43, fetcher());
    assertEquals(12, one.train().size());
    assertEquals(4, one.validation().size());
    assertEquals(
        2,
        describe(one.validation()).stream().filter(d -> d.contains("/a/")).count(),
        "stratified: 2 of each class's 8");
    assertEquals(describe(one.validation()), describe(two.validation()));
    assertEquals(describe(one.train()), describe(two.train()));
    assertNotEquals(describe(one.validation()), describe(other.validation()));
    java.util.Set<String> train = new java.util.HashSet<>(describe(one.train()));
    for (String v : describe(one.validation())) {
      assertTrue(!train.contains(v) && v.contains(dir.resolve("train").toString()), v);
    }
    s.limitPerClass = 3;
    java.util.Set<String> limited =
        new java.util.HashSet<>(describe(DatasetLoader.load(s, 42, fetcher()).validation()));
    assertEquals(2, limited.size(), "round(0.25 * 3) = 1 per class");
    s.validation = null;
    java.util.Set<String> fewShot =
        new java.util.HashSet<>(describe(DatasetLoader.load(s, 42, fetcher()).train()));
    assertTrue(fewShot.containsAll(limited), "held out from the limitPerClass images");
  }

  /** Every class keeps a training image: one image per class holds out none, which fails. */
  @Test
  void validationFractionNeverEmptiesAClass() {
    TestDatasets.imageFolder(dir.resolve("train"), 10, "a", "b");
    TestDatasets.imageFolder(dir.resolve("test"), 1, "a", "b");
    DatasetSpec s = spec(uri(dir.resolve("train")), uri(dir.resolve("test")));
    s.validation = new dev.finetune.api.v1alpha1.spec.ValidationSpec();
    s.validation.fraction = 0.5;
    s.limitPerClass = 2;
    LoadedDataset ds = DatasetLoader.load(s, 7, fetcher());
    assertEquals(2, ds.train().size());
    assertEquals(
        java.util.Set.of(0, 1), java.util.Set.of(ds.train().label(0), ds.train().label(1)));
    s.limitPerClass = 1;
    TrainerException e = fails(ExitCode.DATASET_INVALID, () -> DatasetLoader.load(s, 7, fetcher()));
    assertEquals(
        "spec.dataset.validation.fraction: 0.5 of 2 training images holds out none"
            + " (each class keeps at least one training image); raise the fraction or"
            + " limitPerClass, or give spec.dataset.validation.uri",
        e.getMessage());
  }

  /** validation.uri: a split of its own, read like test; the training split is untouched. */
  @Test
  void validationUriIsItsOwnSplit() {
    TestDatasets.imageFolder(dir.resolve("train"), 4, "a", "b");
    TestDatasets.imageFolder(dir.resolve("test"), 1, "a", "b");
    TestDatasets.imageFolder(dir.resolve("val"), 3, "a", "b", "c");
    DatasetSpec s = spec(uri(dir.resolve("train")), uri(dir.resolve("test")));
    s.validation = new dev.finetune.api.v1alpha1.spec.ValidationSpec();
    s.validation.uri = uri(dir.resolve("val"));
    LoadedDataset ds = DatasetLoader.load(s, 1, fetcher());
    assertEquals(8, ds.train().size());
    assertEquals(6, ds.validation().size(), "class c is not one of the dataset's classes");
    assertTrue(describe(ds.validation()).stream().allMatch(d -> d.contains("/val/")));
    DatasetSpec none = spec(uri(dir.resolve("train")), uri(dir.resolve("test")));
    assertEquals(null, DatasetLoader.load(none, 1, fetcher()).validation());
    assertNotEquals(
        DatasetDigest.of(none, fetcher()),
        DatasetDigest.of(s, fetcher()),
        "a validation split of its own is part of the data's lineage");
    s.validation.uri = null;
    s.validation.fraction = 0.2;
    assertEquals(
        DatasetDigest.of(none, fetcher()),
        DatasetDigest.of(s, fetcher()),
        "a held-out fraction is in the spec, not in the digest");
  }

  private static List<String> describe(Split s) {
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      out.add(s.describe(i));
    }
    return out;
  }

  @Test
  void idxRoundTripGzippedAndRaw() throws Exception {
    TestDatasets.write(
        dir.resolve("train-images-idx3-ubyte.gz"), TestDatasets.idxImages(5, 5, 3, 4), true);
    TestDatasets.write(
        dir.resolve("train-labels-idx1-ubyte.gz"), TestDatasets.idxLabels(0, 2, 1, 2, 0), true);
    TestDatasets.write(
        dir.resolve("t10k-images-idx3-ubyte"), TestDatasets.idxImages(2, 2, 3, 4), false);
    TestDatasets.write(dir.resolve("t10k-labels-idx1-ubyte"), TestDatasets.idxLabels(1, 2), false);
    DatasetSpec s =
        spec(
            uri(dir.resolve("train-images-idx3-ubyte.gz")),
            uri(dir.resolve("t10k-images-idx3-ubyte")));
    s.format = DatasetFormat.IDX;
    LoadedDataset ds = DatasetLoader.load(s, 1, fetcher());
    assertEquals(List.of("0", "1", "2"), ds.classes());
    assertEquals(5, ds.train().size());
    assertEquals(2, ds.train().label(3));
    RgbImage img = ds.train().decode(2);
    assertEquals(4, img.width());
    assertEquals(3, img.height());
    assertEquals((2 + 1 * 4 + 3) % 256, img.get(1, 1, 3));
    assertTrue(ds.train().describe(2).endsWith("train-images-idx3-ubyte.gz[2]"));

    s.labelNames = List.of("zero", "one", "two");
    s.classes = List.of("two", "zero");
    LoadedDataset sel = DatasetLoader.load(s, 1, fetcher());
    assertEquals(List.of("two", "zero"), sel.classes());
    assertEquals(4, sel.train().size());
    assertArrayEquals(
        new int[] {1, 0, 0, 1},
        java.util.stream.IntStream.range(0, 4).map(sel.train()::label).toArray());
    assertEquals(1, sel.test().size());

    s.labelNames = List.of("zero", "one");
    s.classes = null;
    fails(ExitCode.DATASET_INVALID, () -> DatasetLoader.load(s, 1, fetcher()));
  }

  @Test
  void idxHeaderThatLiesIsRejected() throws Exception {
    Path labels =
        TestDatasets.write(
            dir.resolve("x-labels-idx1-ubyte.gz"), TestDatasets.idxLabels(0, 1), true);
    Path gz =
        TestDatasets.write(
            dir.resolve("a/x-images-idx3-ubyte.gz"),
            TestDatasets.idxImages(2_000_000_000, 2, 28, 28),
            true);
    TrainerException e = fails(ExitCode.DATASET_INVALID, () -> IdxReader.read(gz, labels));
    assertTrue(e.getMessage().contains("a/x-images-idx3-ubyte.gz"), e.getMessage());
    Path huge =
        TestDatasets.write(
            dir.resolve("b/x-images-idx3-ubyte"),
            TestDatasets.idxImages(1_000_000, 2, 28, 28),
            false);
    fails(ExitCode.DATASET_INVALID, () -> IdxReader.read(huge, labels));
    Path extra =
        TestDatasets.write(
            dir.resolve("c/x-images-idx3-ubyte.gz"), TestDatasets.idxImages(1, 2, 2, 2), true);
    fails(ExitCode.DATASET_INVALID, () -> IdxReader.read(extra, labels));
    Path count =
        TestDatasets.write(
            dir.resolve("d/x-images-idx3-ubyte"), TestDatasets.idxImages(3, 3, 2, 2), false);
    fails(ExitCode.DATASET_INVALID, () -> IdxReader.read(count, labels));
    Path magic =
        TestDatasets.write(
            dir.resolve("e/x-images-idx3-ubyte"), TestDatasets.idxLabels(1, 2, 3), false);
    assertTrue(
        fails(ExitCode.DATASET_INVALID, () -> IdxReader.read(magic, labels))
            .getMessage()
            .contains("magic"));
    Path empty = TestDatasets.write(dir.resolve("f/x-images-idx3-ubyte"), new byte[0], false);
    fails(ExitCode.DATASET_INVALID, () -> IdxReader.read(empty, labels));
    fails(
        ExitCode.DATASET_INVALID,
        () -> IdxReader.labelsFor("file:///x/train.gz", "spec.dataset.train"));
  }

  @Test
  void fashionMnistTestSplit() {
    Path fm = Path.of("/usr/share/datasets/fashion-mnist");
    Required.present(
        Files.isRegularFile(fm.resolve("t10k-images-idx3-ubyte.gz")),
        fm + " (Debian's dataset-fashion-mnist)");
    DatasetSpec s =
        spec(
            uri(fm.resolve("t10k-images-idx3-ubyte.gz")),
            uri(fm.resolve("t10k-images-idx3-ubyte.gz")));
    s.format = DatasetFormat.IDX;
    LoadedDataset ds = DatasetLoader.load(s, 1, fetcher());
    assertEquals(10, ds.classes().size());
    assertEquals(10_000, ds.test().size());
    int[] hist = new int[10];
    for (int i = 0; i < ds.test().size(); i++) {
      hist[ds.test().label(i)]++;
    }
    for (int h : hist) {
      assertEquals(1000, h);
    }
    RgbImage img = ds.test().decode(0);
    assertEquals(28, img.width());
    assertEquals(28, img.height());
  }
}
