package dev.finetune.testsupport;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Writes a small, learnable ImageFolder dataset: each class is a shape of its own colour at a
 * random position on a noisy background, as PNG or JPEG files.
 */
public final class SyntheticImageFolder {
  public static final List<String> CLASSES = List.of("circle", "square", "stripe");

  private SyntheticImageFolder() {}

  /** Creates root/train/CLASS/*.png and root/test/CLASS/*.jpg. */
  public static Path write(Path root, int trainPerClass, int testPerClass, int size, long seed)
      throws IOException {
    Random random = new Random(seed);
    for (String split : List.of("train", "test")) {
      int count = split.equals("train") ? trainPerClass : testPerClass;
      for (int c = 0; c < CLASSES.size(); c++) {
        Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES.get(c)));
        for (int i = 0; i < count; i++) {
          BufferedImage img = draw(c, size, random);
          String format = split.equals("train") ? "png" : "jpg";
          ImageIO.write(
              img, format, dir.resolve(String.format("%s-%03d.%s", split, i, format)).toFile());
        }
      }
    }
    return root;
  }

  private static BufferedImage draw(int cls, int size, Random random) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int g = 96 + random.nextInt(64);
        img.setRGB(x, y, new Color(g, g, g).getRGB());
      }
    }
    Graphics2D g = img.createGraphics();
    int s = size / 2;
    int x = random.nextInt(size - s + 1);
    int y = random.nextInt(size - s + 1);
    switch (cls) {
      case 0 -> {
        g.setColor(new Color(220, 40, 40));
        g.fillOval(x, y, s, s);
      }
      case 1 -> {
        g.setColor(new Color(40, 200, 40));
        g.fillRect(x, y, s, s);
      }
      default -> {
        g.setColor(new Color(40, 40, 220));
        for (int k = 0; k < size; k += 6) {
          g.fillRect(0, k, size, 3);
        }
      }
    }
    g.dispose();
    return img;
  }
}
