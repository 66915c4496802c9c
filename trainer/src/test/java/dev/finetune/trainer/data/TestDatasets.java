package dev.finetune.trainer.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small imagefolder trees and IDX files. */
public final class TestDatasets {
  private TestDatasets() {}

  /** root/CLASS/i.png|jpg for each class, {@code perClass} images of varying sizes. */
  public static Path imageFolder(Path root, int perClass, String... classes) {
    for (int c = 0; c < classes.length; c++) {
      for (int i = 0; i < perClass; i++) {
        boolean jpg = i % 3 == 2;
        TestImages.write(
            root.resolve(classes[c]).resolve(i + (jpg ? ".JPG" : ".png")),
            TestImages.rgb(12 + i % 5, 10 + c, 31L * c + i),
            jpg ? "jpg" : "png");
      }
    }
    return root;
  }

  /** An IDX images file (n images of rows x cols, pixel = (i + y * cols + x) % 256). */
  public static byte[] idxImages(int declared, int actual, int rows, int cols) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    d.writeInt(0x803);
    d.writeInt(declared);
    d.writeInt(rows);
    d.writeInt(cols);
    for (int i = 0; i < actual; i++) {
      for (int p = 0; p < rows * cols; p++) {
        d.write((i + p) % 256);
      }
    }
    return b.toByteArray();
  }

  public static byte[] idxLabels(int... labels) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(b);
    d.writeInt(0x801);
    d.writeInt(labels.length);
    for (int l : labels) {
      d.write(l);
    }
    return b.toByteArray();
  }

  public static Path write(Path file, byte[] bytes, boolean gzip) throws IOException {
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file);
        OutputStream o = gzip ? new GZIPOutputStream(out) : out) {
      o.write(bytes);
    }
    return file;
  }
}
