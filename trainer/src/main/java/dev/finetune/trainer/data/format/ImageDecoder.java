package dev.finetune.trainer.data.format;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEG/PNG/BMP/GIF bytes into an {@link RgbImage}, like PIL's {@code
 * Image.open(f).convert("RGB")}: grey is copied to three channels, alpha is dropped, palettes are
 * expanded, CMYK JPEGs are converted (best effort, Adobe-inverted CMYK).
 *
 * <p>The size is read from the header first; images over {@code maxPixels} are rejected as bad
 * instead of being decoded. Decoder warnings (e.g. "premature end of JPEG file") make the image
 * bad, as PIL refuses truncated files. Every failure is a {@link BadImageException}. Thread-safe.
 *
 * <p>JPEGs go to libjpeg-turbo ({@link TurboJpeg}, PIL's own decoder) when libturbojpeg is
 * installed, else, and for every other format and CMYK JPEGs, to javax.imageio. The system property
 * {@code finetune.jpeg=imageio} keeps ImageIO for JPEGs too (benchmarks).
 */
public final class ImageDecoder {
  /** 100 megapixels. */
  public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

  static {
    ImageIO.setUseCache(false);
  }

  private final long maxPixels;
  private final boolean turbo;

  public ImageDecoder() {
    this(DEFAULT_MAX_PIXELS);
  }

  public ImageDecoder(long maxPixels) {
    this(maxPixels, true);
  }

  /** {@code turbo}: JPEGs through libjpeg-turbo when it is installed; false: always ImageIO. */
  public ImageDecoder(long maxPixels, boolean turbo) {
    if (maxPixels < 1) {
      throw new IllegalArgumentException("maxPixels must be >= 1");
    }
    this.maxPixels = maxPixels;
    this.turbo = turbo;
  }

  /** Whether JPEGs go through libjpeg-turbo in this process. */
  public static boolean usesTurboJpeg() {
    return TurboJpeg.load().isPresent();
  }

  /**
   * The most bytes an encoded image may have: more than raw 4-byte pixels of {@code maxPixels} plus
   * 1 MiB of metadata is not an image (an archive bomb's 1 GiB "image").
   */
  public long maxBytes() {
    return maxPixels * 4 + (1 << 20);
  }

  /**
   * Decodes a file, reading its header from the file itself: the size limits are checked before the
   * pixels are read, and the file is never read into memory whole.
   */
  public RgbImage decode(Path file) {
    long size;
    try {
      // Type first (InputFile's rule): a FIFO named x.jpg would block the open, a device never
      // ends.
      java.nio.file.attribute.BasicFileAttributes a =
          Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        throw new BadImageException(
            file.toString(),
            "not a regular file ("
                + (a.isDirectory() ? "a folder" : "a device, FIFO or socket")
                + ")");
      }
      size = a.size();
    } catch (IOException e) {
      throw new BadImageException(
          file.toString(), "cannot read (" + e.getClass().getSimpleName() + ")", e);
    }
    if (size == 0) {
      throw new BadImageException(file.toString(), "empty file (0 bytes)");
    }
    if (size > maxBytes()) {
      throw new BadImageException(
          file.toString(),
          "file is "
              + size
              + " bytes, more than an"
              + " image of at most "
              + maxPixels
              + " pixels can be ("
              + maxBytes()
              + ")");
    }
    if (turbo && TurboJpeg.load().isPresent()) {
      Optional<byte[]> jpeg = readIfJpeg(file, size);
      if (jpeg.isPresent()) {
        return decode(jpeg.get(), file.toString());
      }
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        throw new BadImageException(file.toString(), "cannot read");
      }
      return decode(in, file.toString());
    } catch (IOException e) {
      throw new BadImageException(
          file.toString(), "cannot read (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  /**
   * The whole file when it starts with a JPEG's SOI marker, read in one pass (libjpeg-turbo needs
   * the encoded bytes in memory: at most {@link #maxBytes()}, checked before, and it reads the
   * header's size against maxPixels before it decodes a pixel); empty for anything else, which
   * ImageIO streams.
   */
  private static Optional<byte[]> readIfJpeg(Path file, long size) {
    if (size > Integer.MAX_VALUE - 8) {
      return Optional.empty(); // more than one array holds: ImageIO streams it
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(4);
      if (!TurboJpeg.isJpeg(head)) {
        return Optional.empty();
      }
      byte[] bytes = Arrays.copyOf(head, (int) size);
      int n = head.length + in.readNBytes(bytes, head.length, bytes.length - head.length);
      return Optional.of(n == bytes.length ? bytes : Arrays.copyOf(bytes, n));
    } catch (IOException e) {
      throw new BadImageException(
          file.toString(), "cannot read (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  /** Decodes encoded image bytes; {@code source} names the image in messages. */
  public RgbImage decode(byte[] bytes, String source) {
    if (bytes.length == 0) {
      throw new BadImageException(source, "empty file (0 bytes)");
    }
    if (turbo && TurboJpeg.isJpeg(bytes) && TurboJpeg.load().isPresent()) {
      RgbImage image = TurboJpeg.load().get().decode(bytes, source, maxPixels);
      if (image != null) {
        return image;
      }
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      return decode(in, source);
    } catch (IOException e) {
      throw new BadImageException(source, "cannot decode: " + e, e);
    }
  }

  private RgbImage decode(ImageInputStream in, String source) {
    try {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new BadImageException(source, "not a recognised image format (JPEG, PNG expected)");
      }
      ImageReader reader = readers.next();
      List<String> warnings = new ArrayList<>();
      IIOReadWarningListener listener = (r, w) -> warnings.add(w);
      reader.addIIOReadWarningListener(listener);
      try {
        reader.setInput(in, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w < 1 || h < 1) {
          throw new BadImageException(source, "invalid size " + w + "x" + h);
        }
        if (w * h > maxPixels) {
          throw new BadImageException(
              source,
              "image is "
                  + w
                  + "x"
                  + h
                  + " = "
                  + (w * h)
                  + " pixels, more than the allowed "
                  + maxPixels);
        }
        RgbImage image;
        try {
          image = toRgb(reader.read(0));
        } catch (IIOException e) {
          if (!String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
            throw e;
          }
          image = cmykToRgb(reader.readRaster(0, null));
        }
        if (!warnings.isEmpty()) {
          throw new BadImageException(source, "corrupt image: " + warnings.get(0));
        }
        return image;
      } finally {
        reader.dispose();
      }
    } catch (BadImageException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new BadImageException(source, "cannot decode: " + e, e);
    }
  }

  private static RgbImage toRgb(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int n = w * h;
    byte[] p = new byte[3 * n];
    ColorModel cm = img.getColorModel();
    Raster raster = img.getRaster();
    if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
      // Read raw grey samples: getRGB would apply a linear-to-sRGB gamma that PIL does not.
      int bits = cm.getComponentSize(0);
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int v =
              bits == 8
                  ? row[x]
                  : bits > 8 ? row[x] >>> (bits - 8) : row[x] * 255 / ((1 << bits) - 1);
          byte b = (byte) v;
          int i = y * w + x;
          p[i] = b;
          p[n + i] = b;
          p[2 * n + i] = b;
        }
      }
      return new RgbImage(w, h, p);
    }
    RgbImage fast = interleaved8Bit(img);
    if (fast != null) {
      return fast;
    }
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        int i = y * w + x;
        p[i] = (byte) (argb >>> 16);
        p[n + i] = (byte) (argb >>> 8);
        p[2 * n + i] = (byte) argb;
      }
    }
    return new RgbImage(w, h, p);
  }

  /**
   * Fast path for what JPEG decoding usually yields (8-bit interleaved BGR/RGB in a byte buffer,
   * sRGB): copies samples directly instead of converting pixel by pixel through the colour model.
   * Returns null for any other layout.
   */
  private static RgbImage interleaved8Bit(BufferedImage img) {
    ColorModel cm = img.getColorModel();
    Raster raster = img.getRaster();
    if (cm.hasAlpha()
        || cm instanceof IndexColorModel
        || !cm.getColorSpace().isCS_sRGB()
        || raster.getNumBands() != 3
        || !(raster.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel sm)
        || !(raster.getDataBuffer() instanceof java.awt.image.DataBufferByte buffer)
        || buffer.getNumBanks() != 1
        || raster.getParent() != null) {
      return null;
    }
    int w = img.getWidth();
    int h = img.getHeight();
    int n = w * h;
    int stride = sm.getScanlineStride();
    int pixelStride = sm.getPixelStride();
    int[] offsets = sm.getBandOffsets();
    byte[] data = buffer.getData();
    byte[] p = new byte[3 * n];
    for (int y = 0; y < h; y++) {
      int rowBase = buffer.getOffset() + y * stride;
      int out = y * w;
      for (int x = 0; x < w; x++) {
        int px = rowBase + x * pixelStride;
        p[out + x] = data[px + offsets[0]];
        p[n + out + x] = data[px + offsets[1]];
        p[2 * n + out + x] = data[px + offsets[2]];
      }
    }
    return new RgbImage(w, h, p);
  }

  private static RgbImage cmykToRgb(Raster raster) {
    if (raster.getNumBands() != 4) {
      throw new IllegalArgumentException(
          "unsupported colour type with " + raster.getNumBands() + " bands");
    }
    int w = raster.getWidth();
    int h = raster.getHeight();
    int n = w * h;
    byte[] p = new byte[3 * n];
    int[] px = new int[4];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.getPixel(raster.getMinX() + x, raster.getMinY() + y, px);
        // Adobe JPEGs store inverted CMYK; PIL: channel = (255 - c) * (255 - k) / 255.
        int nk = px[3];
        int i = y * w + x;
        for (int c = 0; c < 3; c++) {
          p[c * n + i] = (byte) ((px[c] * nk + 127) / 255);
        }
      }
    }
    return new RgbImage(w, h, p);
  }
}
