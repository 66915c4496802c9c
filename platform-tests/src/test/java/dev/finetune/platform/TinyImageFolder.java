package dev.finetune.platform;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** A small learnable ImageFolder: per class one coloured shape on a noisy grey square (PNG). */
final class TinyImageFolder {
  static final List<String> CLASSES = List.of("disc", "block", "bars");

  private TinyImageFolder() {}

  static void write(Path root, int trainPerClass, int testPerClass, int size) throws IOException {
    Random random = new Random(7);
    for (String split : List.of("train", "test")) {
      int count = split.equals("train") ? trainPerClass : testPerClass;
      for (int c = 0; c < CLASSES.size(); c++) {
        Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES.get(c)));
        for (int i = 0; i < count; i++) {
          ImageIO.write(image(c, size, random), "png", dir.resolve(i + ".png").toFile());
        }
      }
    }
  }

  private static BufferedImage image(int cls, int size, Random random) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int g = 90 + random.nextInt(70);
        img.setRGB(x, y, new Color(g, g, g).getRGB());
      }
    }
    Graphics2D g = img.createGraphics();
    int s = size / 2;
    int x = random.nextInt(size - s + 1);
    int y = random.nextInt(size - s + 1);
    if (cls == 0) {
      g.setColor(new Color(230, 50, 50));
      g.fillOval(x, y, s, s);
    } else if (cls == 1) {
      g.setColor(new Color(50, 210, 50));
      g.fillRect(x, y, s, s);
    } else {
      g.setColor(new Color(50, 50, 230));
      for (int k = random.nextInt(4); k < size; k += 7) {
        g.fillRect(k, 0, 3, size);
      }
    }
    g.dispose();
    return img;
  }
}
