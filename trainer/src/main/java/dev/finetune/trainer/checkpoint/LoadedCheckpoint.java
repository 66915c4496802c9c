package dev.finetune.trainer.checkpoint;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A checkpoint whose files were all downloaded and verified against its manifest. */
public final class LoadedCheckpoint {
  private final CheckpointInfo info;
  private final Map<String, byte[]> files;
  private final Map<String, Object> state;

  public LoadedCheckpoint(
      CheckpointInfo info, Map<String, byte[]> files, Map<String, Object> state) {
    this.info = info;
    this.files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    this.state = Collections.unmodifiableMap(new LinkedHashMap<>(state));
  }

  public CheckpointInfo info() {
    return info;
  }

  public int epoch() {
    return info.epoch();
  }

  public long step() {
    return info.step();
  }

  public Instant time() {
    return info.time();
  }

  /** The files passed to {@link CheckpointStore#save}, by name (state.json excluded). */
  public Map<String, byte[]> files() {
    return files;
  }

  /** The state map passed to {@link CheckpointStore#save}, as parsed back from JSON. */
  public Map<String, Object> state() {
    return state;
  }

  @Override
  public String toString() {
    return "LoadedCheckpoint" + info;
  }
}
