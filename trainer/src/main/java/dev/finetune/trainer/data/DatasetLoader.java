package dev.finetune.trainer.data;

import dev.finetune.api.v1alpha1.spec.DatasetFormat;
import dev.finetune.api.v1alpha1.spec.DatasetSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.fetch.Fetcher;
import dev.finetune.trainer.data.format.IdxReader;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.data.format.ImageFolderReader;
import dev.finetune.trainer.data.split.FewShot;
import dev.finetune.trainer.data.split.FileSplit;
import dev.finetune.trainer.data.split.Holdout;
import dev.finetune.trainer.data.split.IdxSplit;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches and indexes a {@link DatasetSpec}: imagefolder or idx, class selection and order
 * (spec.dataset.classes), and the few-shot limit on the training split (spec.dataset.limitPerClass,
 * chosen with the seed; see {@link FewShot}), then the validation split: held out from what
 * training keeps ({@link Holdout}) or read from its own uri (its images of the chosen classes;
 * classes it lacks are simply not validated). Images are decoded lazily by the returned splits.
 */
public final class DatasetLoader {
  private static final Logger LOG = LoggerFactory.getLogger(DatasetLoader.class);

  private DatasetLoader() {}

  public static LoadedDataset load(DatasetSpec spec, long seed, Fetcher fetcher) {
    return load(spec, seed, fetcher, new ImageDecoder());
  }

  public static LoadedDataset load(
      DatasetSpec spec, long seed, Fetcher fetcher, ImageDecoder decoder) {
    if (spec == null) {
      throw new TrainerException(ExitCode.INVALID_SPEC, "spec.dataset is required");
    }
    require(spec.train, "spec.dataset.train");
    require(spec.test, "spec.dataset.test");
    if (spec.limitPerClass != null && spec.limitPerClass < 1) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          "spec.dataset.limitPerClass must be >= 1," + " got " + spec.limitPerClass);
    }
    DatasetFormat format = spec.format == null ? DatasetFormat.IMAGEFOLDER : spec.format;
    LoadedDataset ds =
        format == DatasetFormat.IDX ? idx(spec, fetcher) : imageFolder(spec, fetcher, decoder);
    Split train = ds.train();
    if (spec.limitPerClass != null) {
      train = FewShot.limitPerClass(train, ds.classes().size(), spec.limitPerClass, seed);
      LOG.info(
          "limitPerClass {}: kept {} of {} training images",
          spec.limitPerClass,
          train.size(),
          ds.train().size());
    }
    if (train.size() == 0) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "spec.dataset.train has no images for"
              + " the chosen classes "
              + shortList(ds.classes()));
    }
    Split validation = ds.validation();
    if (spec.validation != null && spec.validation.fraction != null) {
      Holdout.Parts parts =
          Holdout.split(train, ds.classes().size(), spec.validation.fraction, seed);
      LOG.info(
          "validation.fraction {}: held out {} of {} training images",
          spec.validation.fraction,
          parts.validation().size(),
          train.size());
      if (parts.validation().size() == 0) {
        throw new TrainerException(
            ExitCode.DATASET_INVALID,
            "spec.dataset.validation.fraction: "
                + spec.validation.fraction
                + " of "
                + train.size()
                + " training images holds out"
                + " none (each class keeps at least one training image); raise the fraction or"
                + " limitPerClass, or give spec.dataset.validation.uri");
      }
      train = parts.train();
      validation = parts.validation();
    }
    checkUsable(ds.classes(), train, ds.test());
    if (validation != null && validation.size() == 0) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "spec.dataset.validation.uri has no"
              + " images for the chosen classes "
              + shortList(ds.classes()));
    }
    LOG.info(
        "dataset: {} classes, {} train, {} validation and {} test images",
        ds.classes().size(),
        train.size(),
        validation == null ? 0 : validation.size(),
        ds.test().size());
    return new LoadedDataset(ds.classes(), train, ds.test(), validation);
  }

  /** The URI of a validation split of its own, or null. */
  private static String validationUri(DatasetSpec spec) {
    return spec.validation == null ? null : spec.validation.uri;
  }

  /**
   * At least 2 classes, every class with a training image, and a test split with images: else
   * training has nothing to tell apart ("gradient values are all zeros") or the test accuracy is 0
   * of 0.
   */
  static void checkUsable(List<String> classes, Split train, Split test) {
    if (classes.size() < 2) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "spec.dataset: at least 2 classes are"
              + " needed to train a classifier; found "
              + classes.size()
              + ": "
              + shortList(classes));
    }
    int[] perClass = new int[classes.size()];
    for (int i = 0; i < train.size(); i++) {
      perClass[train.label(i)]++;
    }
    List<String> empty = new ArrayList<>();
    for (int c = 0; c < perClass.length; c++) {
      if (perClass[c] == 0) {
        empty.add(classes.get(c));
      }
    }
    if (!empty.isEmpty()) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "spec.dataset.train has no images of "
              + empty.size()
              + " class(es): "
              + shortList(empty)
              + "; every class needs training"
              + " images (use spec.dataset.classes to choose the classes)");
    }
    if (test.size() == 0) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "spec.dataset.test has no images for" + " the chosen classes " + shortList(classes));
    }
  }

  private static String shortList(List<String> names) {
    return names.size() <= 10
        ? names.toString()
        : names.subList(0, 10).toString().replace("]", ", ... " + (names.size() - 10) + " more]");
  }

  private static void require(String v, String field) {
    if (v == null || v.isBlank()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, field + " is required");
    }
  }

  private static LoadedDataset imageFolder(
      DatasetSpec spec, Fetcher fetcher, ImageDecoder decoder) {
    Path trainRoot = fetcher.fetch("spec.dataset.train", spec.train);
    Path testRoot = fetcher.fetch("spec.dataset.test", spec.test);
    Map<String, List<Path>> train = ImageFolderReader.scan(trainRoot, "spec.dataset.train");
    Map<String, List<Path>> test = ImageFolderReader.scan(testRoot, "spec.dataset.test");
    List<String> classes = ImageFolderReader.classes(train, test, spec.classes);
    String validationUri = validationUri(spec);
    FileSplit validation = null;
    if (validationUri != null) {
      String field = "spec.dataset.validation.uri";
      Path root = fetcher.fetch(field, validationUri);
      validation = FileSplit.ofPresent(ImageFolderReader.scan(root, field), classes, decoder);
    }
    return new LoadedDataset(
        classes,
        FileSplit.of(train, trainRoot, classes, decoder, "spec.dataset.train"),
        FileSplit.of(test, testRoot, classes, decoder, "spec.dataset.test"),
        validation);
  }

  private static LoadedDataset idx(DatasetSpec spec, Fetcher fetcher) {
    IdxReader.Idx train = fetchIdx(spec.train, "spec.dataset.train", fetcher);
    IdxReader.Idx test = fetchIdx(spec.test, "spec.dataset.test", fetcher);
    List<String> names;
    if (spec.labelNames != null && !spec.labelNames.isEmpty()) {
      names = List.copyOf(spec.labelNames);
      checkNames(names);
      checkLabels(train, names.size(), spec.train);
      checkLabels(test, names.size(), spec.test);
    } else {
      int max = Math.max(maxLabel(train), maxLabel(test));
      names = new ArrayList<>();
      for (int i = 0; i <= max; i++) {
        names.add(Integer.toString(i));
      }
    }
    List<String> classes = names;
    int[] labelToClass = new int[names.size()];
    if (spec.classes != null && !spec.classes.isEmpty()) {
      ImageFolderReader.checkDistinct(spec.classes);
      Map<String, Integer> byName = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        byName.put(names.get(i), i);
      }
      java.util.Arrays.fill(labelToClass, -1);
      for (int c = 0; c < spec.classes.size(); c++) {
        Integer label = byName.get(spec.classes.get(c));
        if (label == null) {
          throw new TrainerException(
              ExitCode.DATASET_INVALID,
              "spec.dataset.classes names '"
                  + spec.classes.get(c)
                  + "', which is not a label name; available: "
                  + names
                  + (spec.labelNames == null ? " (set spec.dataset.labelNames to name them)" : ""));
        }
        labelToClass[label] = c;
      }
      classes = List.copyOf(spec.classes);
    } else {
      for (int i = 0; i < labelToClass.length; i++) {
        labelToClass[i] = i;
      }
    }
    String validationUri = validationUri(spec);
    IdxSplit validation = null;
    if (validationUri != null) {
      IdxReader.Idx v = fetchIdx(validationUri, "spec.dataset.validation.uri", fetcher);
      if (spec.labelNames != null && !spec.labelNames.isEmpty()) {
        checkLabels(v, names.size(), validationUri);
      }
      validation = idxSplit(v, validationUri, labelToClass);
    }
    return new LoadedDataset(
        classes,
        idxSplit(train, spec.train, labelToClass),
        idxSplit(test, spec.test, labelToClass),
        validation);
  }

  private static IdxReader.Idx fetchIdx(String uri, String field, Fetcher fetcher) {
    // The last "images-idx3" is replaced, in the #fragment if it has one, else in the path.
    String labelsUri = IdxReader.labelsFor(uri, field);
    return IdxReader.read(fetcher.fetch(field, uri), fetcher.fetch(field + " (labels)", labelsUri));
  }

  private static void checkNames(List<String> names) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String n : names) {
      if (n == null || !seen.add(n)) {
        throw new TrainerException(
            ExitCode.INVALID_SPEC,
            "spec.dataset.labelNames lists '" + n + "' twice or as null; names must be distinct");
      }
    }
  }

  private static int maxLabel(IdxReader.Idx idx) {
    int max = 0;
    for (int i = 0; i < idx.count(); i++) {
      max = Math.max(max, idx.label(i));
    }
    return max;
  }

  private static void checkLabels(IdxReader.Idx idx, int n, String uri) {
    for (int i = 0; i < idx.count(); i++) {
      if (idx.label(i) >= n) {
        throw new TrainerException(
            ExitCode.DATASET_INVALID,
            "label "
                + idx.label(i)
                + " of image "
                + i
                + " in "
                + uri
                + " has no name: spec.dataset.labelNames has only "
                + n
                + " names");
      }
    }
  }

  private static IdxSplit idxSplit(IdxReader.Idx idx, String uri, int[] labelToClass) {
    int[] indices = new int[idx.count()];
    int[] labels = new int[idx.count()];
    int n = 0;
    for (int i = 0; i < idx.count(); i++) {
      int l = idx.label(i);
      int c = l < labelToClass.length ? labelToClass[l] : -1;
      if (c >= 0) {
        indices[n] = i;
        labels[n++] = c;
      }
    }
    return new IdxSplit(
        idx, uri, java.util.Arrays.copyOf(indices, n), java.util.Arrays.copyOf(labels, n));
  }
}
