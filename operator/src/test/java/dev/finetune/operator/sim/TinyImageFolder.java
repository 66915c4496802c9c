package dev.finetune.operator.sim;

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
 * A tiny learnable 3-class ImageFolder: root/train/CLASS/*.png and root/test/CLASS/*.png, each
 * class a coloured shape at a random spot on a noisy background.
 */
public final class TinyImageFolder {
  public static final List<String> CLASSES = List.of("circle", "square", "stripe");

  private TinyImageFolder() {}

  public static Path write(Path root, int trainPerClass, int testPerClass, int size, long seed)
      throws IOException {
    Random random = new Random(seed);
    for (String split : List.of("train", "test")) {
      int count = split.equals("train") ? trainPerClass : testPerClass;
      for (int c = 0; c < CLASSES.size(); c++) {
        Path dir = Files.createDirectories(root.resolve(split).resolve(CLASSES.get(c)));
        for (int i = 0; i < count; i++) {
          ImageIO.write(draw(c, size, random), "png",
              dir.resolve(String.format("%s-%03d.png", split, i)).toFile());
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
        g.fillRect(0, y, size, Math.max(2, s / 3));
      }
    }
    g.dispose();
    return img;
  }
}
