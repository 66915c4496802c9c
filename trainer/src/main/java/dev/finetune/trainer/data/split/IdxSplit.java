package dev.finetune.trainer.data.split;

import dev.finetune.trainer.data.format.IdxReader;
import dev.finetune.trainer.data.format.RgbImage;

/** A split of IDX images: sample i is image {@code indices[i]} with class {@code labels[i]}. */
public final class IdxSplit implements Split {
  private final IdxReader.Idx data;
  private final String file;
  private final int[] indices;
  private final int[] labels;

  public IdxSplit(IdxReader.Idx data, String file, int[] indices, int[] labels) {
    this.data = data;
    this.file = file;
    this.indices = indices.clone();
    this.labels = labels.clone();
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public int label(int i) {
    return labels[i];
  }

  @Override
  public String describe(int i) {
    return file + "[" + indices[i] + "]";
  }

  @Override
  public RgbImage decode(int i) {
    int plane = data.rows() * data.cols();
    return RgbImage.fromGrey(data.cols(), data.rows(), data.pixels(), indices[i] * plane);
  }
}
