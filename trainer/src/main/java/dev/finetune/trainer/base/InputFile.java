package dev.finetune.trainer.base;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one rule for a file the CLI reads from a path a user gave (the manifest, source weights,
 * {@code --from-job}, IDX files, images, archives): its type is checked before it is opened
 * (opening a FIFO blocks until a writer comes, a device never ends), a path that is not a regular
 * file (device, FIFO, socket, folder) is refused with one line naming it, the file is opened once,
 * and it is read with a bound checked while reading, never trusting the size the file system
 * reports ({@code Files.size} is 0 for {@code /dev/zero}).
 */
public final class InputFile {
  private InputFile() {}

  /**
   * Refuses a path that is missing (NOT_FOUND) or not a regular file ({@code code}); symbolic links
   * are followed, so a link to a device is refused as the device.
   */
  public static void requireRegular(Path path, String what, ExitCode code) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new TrainerException(ExitCode.NOT_FOUND, what + ": no such file");
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.NOT_FOUND, what + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
    if (!a.isRegularFile()) {
      throw new TrainerException(
          code, what + ": not a regular file (" + kind(a) + "); expected a file");
    }
  }

  /** "a folder", "a device, FIFO or socket". */
  static String kind(BasicFileAttributes a) {
    return a.isDirectory() ? "a folder" : a.isOther() ? "a device, FIFO or socket" : "not a file";
  }

  /**
   * Opens a regular file for reading, after {@link #requireRegular}; the caller bounds its reads
   * (see {@link #read} or {@link #bounded}).
   */
  public static InputStream open(Path path, String what, ExitCode notRegular) {
    requireRegular(path, what, notRegular);
    try {
      return Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw new TrainerException(ExitCode.NOT_FOUND, what + ": no such file");
    } catch (AccessDeniedException e) {
      throw new TrainerException(ExitCode.NOT_FOUND, what + ": cannot read (permission denied)");
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.NOT_FOUND, what + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
  }

  /**
   * The bytes of a regular file, at most {@code limit} of them: a file that turns out longer while
   * it is read fails with {@code code} naming the limit. Not a regular file: {@code code}.
   */
  public static byte[] read(Path path, String what, long limit, ExitCode code) {
    try (InputStream in = open(path, what, code)) {
      return bounded(in, what, limit, code);
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.NOT_FOUND, what + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Reads {@code in} to its end, failing with {@code code} once more than limit bytes came. */
  public static byte[] bounded(InputStream in, String what, long limit, ExitCode code)
      throws IOException {
    int cap = (int) Math.min(Integer.MAX_VALUE - 8L, limit);
    byte[] bytes = in.readNBytes(cap);
    if (bytes.length == cap && in.read() >= 0) {
      throw new TrainerException(
          code, what + ": more than " + limit + " bytes, the most such a" + " file may have here");
    }
    return bytes;
  }
}
