package dev.finetune.trainer.data.split;

import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.data.format.RgbImage;
import java.nio.file.Path;
import java.util.List;

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
