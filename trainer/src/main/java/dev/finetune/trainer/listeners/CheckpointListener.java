package dev.finetune.trainer.listeners;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.finetune.trainer.checkpoint.CheckpointInfo;
import dev.finetune.trainer.checkpoint.CheckpointStore;
import dev.finetune.trainer.checkpoint.LoadedCheckpoint;
import dev.finetune.trainer.loop.EpochMetrics;
import dev.finetune.trainer.loop.RunState;
import dev.finetune.trainer.loop.TrainingEvents;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.model.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Writes a checkpoint every {@code everyEpochs} epochs and when the trainer is asked to stop, and
 * restores the newest valid one. A checkpoint holds the weights and BN statistics, the SGD momentum
 * buffers and the {@link RunState} (epoch, batch position, metrics so far).
 */
public final class CheckpointListener implements TrainingEvents {
  static final String WEIGHTS = "weights.safetensors";
  static final String OPTIMIZER = "optimizer.safetensors";

  private final CheckpointStore store;
  private final TrainingSession session;
  private final int everyEpochs;
  private final List<Consumer<CheckpointInfo>> written = new ArrayList<>();
  private long savedStep = -1;

  public CheckpointListener(CheckpointStore store, TrainingSession session, int everyEpochs) {
    this.store = store;
    this.session = session;
    this.everyEpochs = everyEpochs;
  }

  /** Called with every checkpoint written (metrics, status). */
  public CheckpointListener onWritten(Consumer<CheckpointInfo> callback) {
    written.add(callback);
    return this;
  }

  @Override
  public void epochCompleted(String run, EpochMetrics metrics, RunState state) {
    if (metrics.epoch() % everyEpochs == 0) {
      save(state);
    }
  }

  @Override
  public void stopRequested(String run, RunState state) {
    if (state.step() == savedStep) {
      org.slf4j.LoggerFactory.getLogger(CheckpointListener.class)
          .info("{}: stopping; checkpoint at step {} is already current", run, savedStep);
      return;
    }
    save(state);
  }

  /** Writes a checkpoint of the session at {@code state}. */
  public CheckpointInfo save(RunState state) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(WEIGHTS, Weights.encode(session.net()));
    files.put(OPTIMIZER, encodeBuffers(session.optimizer().momentumBuffers()));
    CheckpointInfo info;
    try {
      info = store.save(state.epoch(), state.step(), files, state.toMap());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    savedStep = state.step();
    written.forEach(c -> c.accept(info));
    return info;
  }

  /**
   * Loads the newest valid checkpoint into the session, falling back past corrupt ones.
   *
   * @param warnings receives one line per checkpoint skipped
   */
  public Optional<RunState> restore(Consumer<String> warnings) {
    Optional<LoadedCheckpoint> loaded;
    try {
      loaded = store.loadNewestValid(warnings);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (loaded.isEmpty()) {
      return Optional.empty();
    }
    LoadedCheckpoint c = loaded.get();
    savedStep = c.step();
    Weights.load(session.net(), c.files().get(WEIGHTS), c.info().uri() + "/" + WEIGHTS, n -> false);
    byte[] optimizer = c.files().get(OPTIMIZER);
    try (NDManager scope = NDManager.newBaseManager()) {
      Map<String, NDArray> buffers = new HashMap<>();
      if (optimizer != null && optimizer.length > 0) {
        for (NDArray a : NDList.decode(scope, optimizer)) {
          buffers.put(a.getName(), a.toDevice(session.manager().getDevice(), false));
        }
      }
      session.optimizer().restoreMomentumBuffers(buffers);
    }
    return Optional.of(RunState.fromMap(c.state()));
  }

  private static byte[] encodeBuffers(Map<String, NDArray> buffers) {
    return buffers.isEmpty() ? new byte[0] : Weights.encode(new java.util.TreeMap<>(buffers));
  }
}
