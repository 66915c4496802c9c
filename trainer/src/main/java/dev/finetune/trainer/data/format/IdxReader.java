package dev.finetune.trainer.data.format;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.base.InputFile;
import dev.finetune.trainer.error.TrainerException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads MNIST-style IDX files, gzipped or not: an images file (magic 0x00000803, count, rows, cols,
 * then count*rows*cols unsigned bytes) and a labels file (magic 0x00000801, count, then count
 * bytes). Header counts must match the data exactly; the data is read in chunks, so a header that
 * lies about its size fails with DATASET_INVALID instead of allocating it.
 */
public final class IdxReader {
  private static final int IMAGES_MAGIC = 0x00000803;
  private static final int LABELS_MAGIC = 0x00000801;
  private static final int MAX_SIDE = 4096;

  private IdxReader() {}

  /** Parsed IDX data: images are {@code count} consecutive rows*cols grey planes. */
  public record Idx(int count, int rows, int cols, byte[] pixels, byte[] labels) {
    /** The label (0..255) of image i. */
    public int label(int i) {
      return labels[i] & 0xff;
    }
  }

  /**
   * The labels name or URI for an images one: the last "images-idx3" becomes "labels-idx1". {@code
   * field} names the spec field in the error when there is no such part.
   */
  public static String labelsFor(String images, String field) {
    int at = images.lastIndexOf("images-idx3");
    if (at < 0) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          field
              + " must name an IDX images file"
              + " (*-images-idx3-ubyte or *-images-idx3-ubyte.gz), got '"
              + images
              + "'");
    }
    return images.substring(0, at) + "labels-idx1" + images.substring(at + "images-idx3".length());
  }

  /** Reads an images file and its labels file. */
  public static Idx read(Path images, Path labels) {
    byte[][] img = readFile(images, IMAGES_MAGIC, 3);
    byte[][] lab = readFile(labels, LABELS_MAGIC, 1);
    int count = toInt(img[0], 0);
    int labelCount = toInt(lab[0], 0);
    if (count != labelCount) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          images + " has " + count + " images but " + labels + " has " + labelCount + " labels");
    }
    return new Idx(count, toInt(img[0], 4), toInt(img[0], 8), img[1], lab[1]);
  }

  private static int toInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24)
        | ((b[off + 1] & 0xff) << 16)
        | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }

  /** Returns {dims as big-endian ints, data}. */
  private static byte[][] readFile(Path file, int magic, int dims) {
    String kind = magic == IMAGES_MAGIC ? "images" : "labels";
    // Type checked before opening (a FIFO would block, a device never ends): InputFile's rule.
    try (InputStream raw =
        new BufferedInputStream(
            InputFile.open(file, "IDX " + kind + " file " + file, ExitCode.DATASET_INVALID),
            1 << 16)) {
      raw.mark(2);
      boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
      raw.reset();
      DataInputStream in = new DataInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw);
      int m;
      try {
        m = in.readInt();
      } catch (EOFException e) {
        throw invalid(file, "is too short to be an IDX " + kind + " file");
      }
      if (m != magic) {
        throw invalid(
            file,
            String.format(
                "is not an IDX %s file: it does not start with the" + " magic number 0x%08x",
                kind, magic));
      }
      byte[] header = new byte[4 * dims];
      long expected = 1;
      for (int d = 0; d < dims; d++) {
        int v;
        try {
          v = in.readInt();
        } catch (EOFException e) {
          throw invalid(file, "has a truncated header");
        }
        if (v < 0 || (d > 0 && (v < 1 || v > MAX_SIDE))) {
          throw invalid(
              file,
              "has an invalid dimension "
                  + (d + 1)
                  + " in its header"
                  + (d > 0 ? " (image sides must be 1.." + MAX_SIDE + ")" : " (negative count)"));
        }
        header[4 * d] = (byte) (v >>> 24);
        header[4 * d + 1] = (byte) (v >>> 16);
        header[4 * d + 2] = (byte) (v >>> 8);
        header[4 * d + 3] = (byte) v;
        expected *= v;
      }
      if (expected > Integer.MAX_VALUE - 64) {
        throw invalid(file, "declares more data than this reader supports (2 GiB)");
      }
      if (!gz && Files.size(file) - 4 - 4L * dims != expected) {
        throw invalid(
            file,
            "header's sizes do not match the file's "
                + Files.size(file)
                + " bytes (truncated or not an IDX file)");
      }
      byte[] data = in.readNBytes((int) expected);
      if (data.length != expected) {
        throw invalid(file, "holds less data than its header declares (truncated)");
      }
      if (in.read() >= 0) {
        throw invalid(file, "has more data than its header declares");
      }
      return new byte[][] {header, data};
    } catch (IOException e) {
      throw invalid(file, "cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static TrainerException invalid(Path file, String what) {
    return new TrainerException(ExitCode.DATASET_INVALID, "IDX file " + file + " " + what);
  }
}
