package dev.finetune.trainer.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Generates small, deterministic test images. */
public final class TestImages {
  private TestImages() {}

  /** A smooth gradient with some noise, so resampling differences show up. */
  public static BufferedImage rgb(int w, int h, long seed) {
    Random r = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int red = clamp(x * 255 / Math.max(1, w - 1) + r.nextInt(41) - 20);
        int green = clamp(y * 255 / Math.max(1, h - 1) + r.nextInt(41) - 20);
        int blue = clamp((int) (127 + 120 * Math.sin((x + y) / 3.0)) + r.nextInt(21) - 10);
        img.setRGB(x, y, (red << 16) | (green << 8) | blue);
      }
    }
    return img;
  }

  public static BufferedImage grey(int w, int h, long seed) {
    Random r = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, clamp((x * 7 + y * 3) % 256 + r.nextInt(11) - 5));
      }
    }
    return img;
  }

  public static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  public static byte[] encode(BufferedImage img, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path write(Path file, BufferedImage img, String format) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, encode(img, format));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
