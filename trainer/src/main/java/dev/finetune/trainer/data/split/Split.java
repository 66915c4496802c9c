package dev.finetune.trainer.data.split;

import dev.finetune.trainer.data.format.RgbImage;

/**
 * One split (train or test) of a dataset: a fixed, ordered list of labelled samples. Decoding is
 * lazy and thread-safe, so {@link dev.finetune.trainer.data.batch.BatchStream} workers can call
 * {@link #decode} concurrently.
 */
public interface Split {
  /** Number of samples. */
  int size();

  /**
   * The class index (into {@link dev.finetune.trainer.data.LoadedDataset#classes()}) of sample i.
   */
  int label(int i);

  /** The sample's file path or "FILE[index]", for messages. */
  String describe(int i);

  /**
   * Decodes sample i; throws {@link dev.finetune.trainer.data.format.BadImageException} if it
   * cannot be decoded.
   */
  RgbImage decode(int i);
}
