package dev.finetune.trainer.data.format;

/**
 * An 8-bit RGB image stored as three planes (channel-major: all red, then green, then blue).
 * Transforms work on these bytes exactly like PIL works on an "RGB" image, so results match
 * torchvision's PIL path; the float tensor is only produced at the end (to-tensor + normalize).
 */
public final class RgbImage {
  private final int width;
  private final int height;
  private final byte[] planes;

  /** Wraps planes of length 3 * height * width (unsigned bytes, CHW). The array is not copied. */
  public RgbImage(int width, int height, byte[] planes) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + width + "x" + height);
    }
    if (planes.length != 3L * width * height) {
      throw new IllegalArgumentException(
          "expected " + 3L * width * height + " bytes, got " + planes.length);
    }
    this.width = width;
    this.height = height;
    this.planes = planes;
  }

  /** A grey image expanded to three equal channels; {@code grey} has height * width bytes. */
  public static RgbImage fromGrey(int width, int height, byte[] grey, int offset) {
    int n = width * height;
    byte[] p = new byte[3 * n];
    System.arraycopy(grey, offset, p, 0, n);
    System.arraycopy(grey, offset, p, n, n);
    System.arraycopy(grey, offset, p, 2 * n, n);
    return new RgbImage(width, height, p);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The value 0..255 of channel c (0 red, 1 green, 2 blue) at row y, column x. */
  public int get(int c, int y, int x) {
    return planes[(c * height + y) * width + x] & 0xff;
  }

  /** The backing CHW planes (not a copy; do not modify). */
  public byte[] planes() {
    return planes;
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
