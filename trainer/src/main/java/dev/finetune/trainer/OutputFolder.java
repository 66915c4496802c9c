package dev.finetune.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.RunIdentity;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.base.InputFile;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code --output} folder as one run sees it. The rule: only a run that holds the folder may
 * remove anything from it, and a run holds it only once every ownership check has passed (its
 * checkpoint locations hold nothing of another run, and the folder's result.json, if any, records
 * this run's identity). A run that fails before that (a missing dataset, a bad spec, a one-class
 * dataset, another run's files) removes nothing here, whatever its exit code.
 *
 * <p>A "run" is a {@link RunIdentity}: every attempt of the same job, namespace, dataset, source
 * weights and result-changing spec fields. So "a run deletes only what it wrote".
 */
public final class OutputFolder {
  private static final Logger LOG = LoggerFactory.getLogger(OutputFolder.class);
  private static final String TMP = StorageLayout.RESULT_FILE + ".tmp";

  private final Path dir;
  private volatile boolean held;

  public OutputFolder(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Whether this run holds the folder (it has passed its ownership checks). */
  public boolean held() {
    return held;
  }

  /**
   * Takes the folder for {@code identity}, after the checkpoint ownership checks have passed:
   * refuses (RUN_MISMATCH) a result.json that records another run, or none; then removes this run's
   * earlier result.json, so a result that claims success never outlives a later failure.
   */
  public void hold(RunIdentity identity) {
    Path result = dir.resolve(StorageLayout.RESULT_FILE);
    if (Files.exists(result, LinkOption.NOFOLLOW_LINKS)) { // a folder or FIFO there is not ours
      RunIdentity recorded = recorded(result);
      List<String> diff =
          recorded == null ? List.of("records no run identity") : identity.differences(recorded);
      if (!diff.isEmpty()) {
        throw new TrainerException(
            ExitCode.RUN_MISMATCH,
            result
                + " is the result of another"
                + " run ("
                + String.join("; ", diff.subList(0, Math.min(6, diff.size())))
                + "); refusing to replace or remove it. Use another --output, or move that file");
      }
    }
    held = true;
    forgetResult();
  }

  /**
   * Runs {@code body}; if it fails after this run took the folder, removes the result.json this
   * run's attempts wrote. A failure before that (or a RUN_MISMATCH refusal) removes nothing.
   */
  public <T> T run(Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException | Error e) {
      if (!held) {
        LOG.debug("run failed before it held {}: nothing there is removed", dir);
      } else if (!(e instanceof TrainerException t && t.exitCode() == ExitCode.RUN_MISMATCH)) {
        try {
          forgetResult();
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /** Writes result.json atomically: a temporary file, then a rename over the final name. */
  public void writeResult(byte[] json) {
    requireHeld();
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(TMP);
      Files.write(tmp, json);
      Files.move(
          tmp,
          dir.resolve(StorageLayout.RESULT_FILE),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void forgetResult() {
    requireHeld();
    try {
      Files.deleteIfExists(dir.resolve(StorageLayout.RESULT_FILE));
      Files.deleteIfExists(dir.resolve(TMP));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void requireHeld() {
    if (!held) {
      throw new IllegalStateException(dir + " is not held by this run");
    }
  }

  /** The run identity a result.json records, null if none or unreadable. */
  private static RunIdentity recorded(Path result) {
    try {
      byte[] bytes = InputFile.read(result, result.toString(), 16L << 20, ExitCode.RUN_MISMATCH);
      JsonNode root = new ObjectMapper().readTree(bytes);
      return root == null ? null : RunIdentity.fromJson(root.get("identity"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
