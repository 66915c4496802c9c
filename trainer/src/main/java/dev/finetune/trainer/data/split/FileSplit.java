package dev.finetune.trainer.data.split;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A split backed by image files (the imagefolder format). */
public final class FileSplit implements Split {
  private final List<Path> files;
  private final int[] labels;
  private final ImageDecoder decoder;

  public FileSplit(List<Path> files, int[] labels, ImageDecoder decoder) {
    if (files.size() != labels.length) {
      throw new IllegalArgumentException("files and labels differ in length");
    }
    this.files = List.copyOf(files);
    this.labels = labels.clone();
    this.decoder = decoder;
  }

  /**
   * The split of the chosen classes of a scanned imagefolder (class name -> image files, see {@link
   * dev.finetune.trainer.data.format.ImageFolderReader#scan}); an empty chosen class folder is
   * DATASET_INVALID.
   */
  public static FileSplit of(
      Map<String, List<Path>> scanned,
      Path root,
      List<String> classes,
      ImageDecoder decoder,
      String field) {
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      List<Path> imgs = scanned.get(classes.get(c));
      if (imgs.isEmpty()) {
        throw new TrainerException(
            ExitCode.DATASET_INVALID,
            field
                + ": class folder "
                + root.resolve(classes.get(c))
                + " has no .jpg, .jpeg or .png images");
      }
      for (Path p : imgs) {
        files.add(p);
        labels.add(c);
      }
    }
    return new FileSplit(files, labels.stream().mapToInt(Integer::intValue).toArray(), decoder);
  }

  /**
   * The images of the chosen classes that a split has, in class order; a class it lacks adds none
   * (a validation split need not have every class).
   */
  public static FileSplit ofPresent(
      Map<String, List<Path>> byClass, List<String> classes, ImageDecoder decoder) {
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      for (Path p : byClass.getOrDefault(classes.get(c), List.of())) {
        files.add(p);
        labels.add(c);
      }
    }
    return new FileSplit(files, labels.stream().mapToInt(Integer::intValue).toArray(), decoder);
  }

  @Override
  public int size() {
    return files.size();
  }

  @Override
  public int label(int i) {
    return labels[i];
  }

  @Override
  public String describe(int i) {
    return files.get(i).toString();
  }

  @Override
  public RgbImage decode(int i) {
    return decoder.decode(files.get(i));
  }

  /** The image file of sample i. */
  public Path file(int i) {
    return files.get(i);
  }
}
