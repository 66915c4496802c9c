package dev.finetune.trainer.model;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.base.InputFile;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a source weights file into memory with its size checked first and the read bounded, so a
 * huge file or an endless one ({@code /dev/zero}, a FIFO) is refused with WEIGHTS_INVALID instead
 * of an OutOfMemoryError.
 */
public final class WeightsFile {
  /** The most any file is read: ResNet-152 in F64 is about 0.5 GB. */
  public static final long MAX_BYTES = 1L << 30;

  private WeightsFile() {}

  /** The limit in this process: {@link #MAX_BYTES}, or a third of the heap if that is less. */
  public static long limit() {
    return Math.min(MAX_BYTES, Runtime.getRuntime().maxMemory() / 3);
  }

  /** The bytes of {@code path} (fetched from {@code uri}), at most {@code limit} of them. */
  public static byte[] read(Path path, String uri, long limit) {
    try {
      if (Files.size(path)
          > limit) { // a cheap early answer for a regular file; the read is bounded anyway
        InputFile.requireRegular(path, uri, ExitCode.WEIGHTS_INVALID);
        throw tooLarge(uri, Files.size(path), limit);
      }
    } catch (IOException e) {
      // missing or unreadable: InputFile names it below
    }
    try (InputStream in = InputFile.open(path, uri, ExitCode.WEIGHTS_INVALID)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (bytes.length > limit) {
        throw tooLarge(uri, "more than " + limit, limit); // endless (a device) or it grew
      }
      return bytes;
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.NOT_FOUND, uri + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static TrainerException tooLarge(String uri, Object size, long limit) {
    return new TrainerException(
        ExitCode.WEIGHTS_INVALID,
        uri
            + ": "
            + size
            + " bytes, more than"
            + " the "
            + limit
            + " bytes a weights file may have here (the largest supported"
            + " architecture needs about 0.5 GB; the limit is the smaller of 1 GiB and a third of"
            + " the heap)");
  }
}
