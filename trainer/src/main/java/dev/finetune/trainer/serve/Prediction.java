package dev.finetune.trainer.serve;

import java.util.List;

/**
 * One image's answer: every class label, best first, and its probability (softmax of the logits).
 * Ties keep label order, as the evaluation's argmax picks the first maximum.
 */
public record Prediction(List<String> labels, float[] probabilities) {
  public String best() {
    return labels.get(0);
  }
}
