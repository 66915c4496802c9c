package dev.finetune.trainer.storage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileObjectStore behaviour that the S3 contract test cannot reach: local races. */
class FileObjectStoreTest {

  /**
   * A reader polls the listing while the trainer writes (temp file then rename) and prunes
   * checkpoints. The listing must neither fail on a vanished file nor show a temp file.
   */
  @Test
  void listingToleratesConcurrentWritesAndDeletes(@TempDir Path tmp) throws Exception {
    FileObjectStore store = new FileObjectStore(tmp);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                for (int i = 0; !stop.get(); i++) {
                  String dir = "checkpoints/ckpt-" + String.format("%012d", i % 8) + "/";
                  store.put(dir + "model.safetensors", new byte[64]);
                  store.put(dir + "manifest.json", new byte[8]);
                  store.delete(dir + "model.safetensors");
                  store.delete(dir + "manifest.json");
                }
              } catch (Throwable t) {
                writerFailure.set(t);
              }
            });
    writer.start();
    try {
      for (int i = 0; i < 3000; i++) {
        List<String> keys = store.list("checkpoints/");
        for (String k : keys) {
          assertTrue(!k.endsWith(FileObjectStore.TEMP_SUFFIX), "temp file listed: " + k);
        }
      }
    } finally {
      stop.set(true);
      writer.join();
    }
    assertTrue(writerFailure.get() == null, () -> "writer failed: " + writerFailure.get());
  }
}
