package dev.finetune.trainer.data.batch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.format.BadImageException;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.error.TrainerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes every image of a split once before training, so undecodable test images beyond
 * spec.dataset.maxBadImagesPercent fail the job in seconds instead of at the final evaluation,
 * after all the training (training images are met in the first epoch anyway).
 */
public final class SplitCheck {
  private static final Logger LOG = LoggerFactory.getLogger(SplitCheck.class);

  private SplitCheck() {}

  public static void check(Split split, String field, BadImagePolicy policy) {
    long start = System.nanoTime();
    int bad = 0;
    String first = null;
    for (int i = 0; i < split.size(); i++) {
      try {
        split.decode(i);
      } catch (BadImageException e) {
        bad++;
        if (first == null) {
          first = e.getMessage();
        }
      }
    }
    if (policy.tooMany(bad, split.size())) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          field
              + ": "
              + bad
              + " of "
              + split.size()
              + " images cannot be decoded, more than spec.dataset.maxBadImagesPercent ("
              + policy.maxBadImagesPercent()
              + "%) allows; first: "
              + first);
    }
    LOG.info(
        "{}: checked {} images in {} ms ({} undecodable, skipped)",
        field,
        split.size(),
        (System.nanoTime() - start) / 1_000_000,
        bad);
  }
}
