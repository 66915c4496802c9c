package dev.finetune.trainer.data.format;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG decoding with libjpeg-turbo's TurboJPEG C API (Debian package {@code libturbojpeg0}), called
 * through JNA. It is the library, version and settings PIL decodes with on Debian (libjpeg62-turbo
 * 2.1: accurate integer IDCT, fancy upsampling, grey expanded to RGB), so the pixels equal PIL's;
 * it is SIMD-accelerated where the JDK's ImageIO reader (IJG libjpeg 6b) is not. Optional: without
 * the library {@link #load()} is empty and {@link ImageDecoder} keeps ImageIO. CMYK/YCCK JPEGs are
 * left to ImageIO's CMYK path ({@link #decode} returns null).
 */
final class TurboJpeg {
  private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);
  private static final int TJPF_RGB = 0;
  private static final int TJCS_CMYK = 3;
  private static final int TJCS_YCCK = 4;
  private static final int TJFLAG_ACCURATEDCT = 4096;
  private static final int TJFLAG_STOPONWARNING = 8192;

  /** The six functions used, TurboJPEG 2.0 API (libjpeg-turbo >= 2.0). */
  interface Lib extends Library {
    Pointer tjInitDecompress();

    int tjDecompressHeader3(
        Pointer handle,
        byte[] jpeg,
        NativeLong size,
        IntByReference width,
        IntByReference height,
        IntByReference subsampling,
        IntByReference colorspace);

    int tjDecompress2(
        Pointer handle,
        byte[] jpeg,
        NativeLong size,
        Pointer dst,
        int width,
        int pitch,
        int height,
        int pixelFormat,
        int flags);

    String tjGetErrorStr2(Pointer handle);

    int tjDestroy(Pointer handle);
  }

  private static final Optional<TurboJpeg> INSTANCE = open();

  private final Lib lib;

  /** Images this process decoded with libjpeg-turbo (tests check which path a file takes). */
  private static final java.util.concurrent.atomic.LongAdder DECODED =
      new java.util.concurrent.atomic.LongAdder();

  static long decoded() {
    return DECODED.sum();
  }

  private TurboJpeg(Lib lib) {
    this.lib = lib;
  }

  /** The library when it loads, else empty (logged once at debug level). */
  static Optional<TurboJpeg> load() {
    return INSTANCE;
  }

  private static Optional<TurboJpeg> open() {
    if ("imageio".equals(System.getProperty("finetune.jpeg"))) {
      return Optional.empty();
    }
    try {
      Lib lib = Native.load("turbojpeg", Lib.class);
      Pointer probe = lib.tjInitDecompress();
      if (probe == null) {
        return Optional.empty();
      }
      lib.tjDestroy(probe);
      return Optional.of(new TurboJpeg(lib));
    } catch (LinkageError e) {
      LOG.debug("libturbojpeg not available, JPEGs are decoded with ImageIO: {}", e.toString());
      return Optional.empty();
    }
  }

  /** True for bytes that start like a JPEG (SOI marker). */
  static boolean isJpeg(byte[] bytes) {
    return bytes.length > 3
        && (bytes[0] & 0xff) == 0xff
        && (bytes[1] & 0xff) == 0xd8
        && (bytes[2] & 0xff) == 0xff;
  }

  /**
   * Decodes a JPEG into interleaved RGB, refusing images over {@code maxPixels} before decoding;
   * null for CMYK/YCCK (ImageIO's path handles those). Corrupt data, warnings included, is a {@link
   * BadImageException}, as with ImageIO.
   */
  RgbImage decode(byte[] jpeg, String source, long maxPixels) {
    Pointer handle = lib.tjInitDecompress();
    if (handle == null) {
      throw new BadImageException(source, "cannot decode: TurboJPEG could not start");
    }
    try {
      NativeLong size = new NativeLong(jpeg.length);
      IntByReference w = new IntByReference();
      IntByReference h = new IntByReference();
      IntByReference sub = new IntByReference();
      IntByReference cs = new IntByReference();
      if (lib.tjDecompressHeader3(handle, jpeg, size, w, h, sub, cs) != 0) {
        throw new BadImageException(source, "corrupt image: " + lib.tjGetErrorStr2(handle));
      }
      long width = w.getValue();
      long height = h.getValue();
      if (width < 1 || height < 1) {
        throw new BadImageException(source, "invalid size " + width + "x" + height);
      }
      if (width * height > maxPixels) {
        throw new BadImageException(
            source,
            "image is "
                + width
                + "x"
                + height
                + " = "
                + (width * height)
                + " pixels, more than the allowed "
                + maxPixels);
      }
      if (cs.getValue() == TJCS_CMYK || cs.getValue() == TJCS_YCCK) {
        return null;
      }
      int n = (int) (width * height);
      try (Memory rgb = new Memory(3L * n)) {
        if (lib.tjDecompress2(
                handle,
                jpeg,
                size,
                rgb,
                (int) width,
                0,
                (int) height,
                TJPF_RGB,
                TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING)
            != 0) {
          throw new BadImageException(source, "corrupt image: " + lib.tjGetErrorStr2(handle));
        }
        byte[] interleaved = rgb.getByteArray(0, 3 * n);
        DECODED.increment();
        return RgbImage.interleaved((int) width, (int) height, interleaved);
      }
    } finally {
      lib.tjDestroy(handle);
    }
  }
}
