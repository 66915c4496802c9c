package dev.finetune.trainer.data.format;

/**
 * An 8-bit RGB image, held either as three planes (channel-major: all red, then green, then blue)
 * or, as a JPEG decoder writes it, interleaved (RGBRGB...). Transforms work on these bytes exactly
 * like PIL works on an "RGB" image, so results match torchvision's PIL path; the float tensor is
 * only produced at the end (to-tensor + normalize). The first resampling pass reads interleaved
 * pixels directly ({@code Resampler}), so a decoded image is never copied into planes just to be
 * resized; {@link #planes()} converts on first use for the steps that need planes.
 */
public final class RgbImage {
  private final int width;
  private final int height;
  private final byte[] pixels;
  private final boolean interleaved;
  private byte[] planes;

  /** Wraps planes of length 3 * height * width (unsigned bytes, CHW). The array is not copied. */
  public RgbImage(int width, int height, byte[] planes) {
    this(width, height, planes, false);
  }

  private RgbImage(int width, int height, byte[] pixels, boolean interleaved) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException(
          "image size must be positive, got " + width + "x" + height);
    }
    if (pixels.length != 3L * width * height) {
      throw new IllegalArgumentException(
          "expected " + 3L * width * height + " bytes, got " + pixels.length);
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
    this.interleaved = interleaved;
    this.planes = interleaved ? null : pixels;
  }

  /** Wraps interleaved pixels (RGBRGB..., row by row, 3 * height * width bytes); not copied. */
  public static RgbImage interleaved(int width, int height, byte[] rgb) {
    return new RgbImage(width, height, rgb, true);
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
    return interleaved
        ? pixels[(y * width + x) * 3 + c] & 0xff
        : pixels[(c * height + y) * width + x] & 0xff;
  }

  /** True when {@link #interleavedPixels()} holds the image. */
  public boolean isInterleaved() {
    return interleaved;
  }

  /** The backing interleaved pixels (not a copy; do not modify); only when interleaved. */
  public byte[] interleavedPixels() {
    if (!interleaved) {
      throw new IllegalStateException("this image is held as planes");
    }
    return pixels;
  }

  /** The CHW planes (do not modify): the backing array, or made once from interleaved pixels. */
  public byte[] planes() {
    byte[] p = planes;
    if (p == null) {
      int n = width * height;
      p = new byte[3 * n];
      for (int i = 0, j = 0; i < n; i++, j += 3) {
        p[i] = pixels[j];
        p[n + i] = pixels[j + 1];
        p[2 * n + i] = pixels[j + 2];
      }
      planes = p;
    }
    return p;
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
