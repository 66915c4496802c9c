package dev.finetune.trainer.checkpoint;

import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Wraps a store, records "put KEY" / "delete KEY" in order, and can fail chosen puts. */
class RecordingStore implements ObjectStore {
  final ObjectStore delegate;
  final List<String> ops = new CopyOnWriteArrayList<>();
  volatile Predicate<String> failPut = k -> false;

  RecordingStore(ObjectStore delegate) {
    this.delegate = delegate;
  }

  private void beforePut(String key) throws IOException {
    if (failPut.test(key)) {
      ops.add("FAILED put " + key);
      throw new IOException("simulated crash writing " + key);
    }
    ops.add("put " + key);
  }

  @Override
  public void put(String key, Path file) throws IOException {
    beforePut(key);
    delegate.put(key, file);
  }

  @Override
  public void put(String key, byte[] bytes) throws IOException {
    beforePut(key);
    delegate.put(key, bytes);
  }

  @Override
  public boolean get(String key, Path target) throws IOException {
    return delegate.get(key, target);
  }

  @Override
  public Optional<byte[]> read(String key) throws IOException {
    return delegate.read(key);
  }

  @Override
  public Optional<InputStream> open(String key) throws IOException {
    return delegate.open(key);
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    return delegate.list(prefix);
  }

  @Override
  public void delete(String key) throws IOException {
    ops.add("delete " + key);
    delegate.delete(key);
  }

  @Override
  public String uri() {
    return delegate.uri();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
