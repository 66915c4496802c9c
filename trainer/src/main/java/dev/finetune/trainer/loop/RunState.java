package dev.finetune.trainer.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a run stands, saved in every checkpoint. Data order and augmentation are pure functions of
 * (seed, epoch, sample index), and nothing draws from the engine's generator after initialisation,
 * so this position plus weights and optimizer buffers is the whole training state: a resumed run
 * repeats the uninterrupted one bit for bit on CPU.
 *
 * @param epoch zero-based epoch in progress (equal to epochs completed when batch is 0)
 * @param batch next batch index inside that epoch
 * @param step optimisation steps taken so far
 * @param lossSum sum of per-image losses in the current epoch so far
 * @param correct correct training predictions in the current epoch so far
 * @param seen training images in the current epoch so far
 * @param history metrics of completed epochs
 */
public record RunState(
    int epoch,
    int batch,
    long step,
    double lossSum,
    long correct,
    long seen,
    List<EpochMetrics> history) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public RunState {
    history = List.copyOf(history);
  }

  public static RunState start() {
    return new RunState(0, 0, 0, 0, 0, 0, List.of());
  }

  /** The state at the end of an epoch, with that epoch's metrics appended. */
  RunState endEpoch(EpochMetrics metrics) {
    List<EpochMetrics> h = new ArrayList<>(history);
    h.add(metrics);
    return new RunState(epoch + 1, 0, step, 0, 0, 0, h);
  }

  RunState afterBatch(int batchIndex, double imageLossSum, long batchCorrect, long images) {
    return new RunState(
        epoch,
        batchIndex + 1,
        step + 1,
        lossSum + imageLossSum,
        correct + batchCorrect,
        seen + images,
        history);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> toMap() {
    return JSON.convertValue(this, Map.class);
  }

  public static RunState fromMap(Map<String, Object> map) {
    return JSON.convertValue(map, RunState.class);
  }
}
