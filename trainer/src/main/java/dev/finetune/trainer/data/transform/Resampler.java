package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;

/**
 * PIL's bilinear resampling ({@code Image.resize(size, BILINEAR)}, Pillow 9.x), bit-exact: a
 * separable triangle filter whose support grows with the downscale factor (antialias), applied
 * horizontally then vertically with 22-bit fixed-point weights and rounding to 8 bits between
 * passes. Upscaling uses support 1, i.e. plain bilinear interpolation with half-pixel centres.
 */
final class Resampler {
  static final int PRECISION_BITS = 32 - 8 - 2;

  private Resampler() {}

  static RgbImage resize(RgbImage src, int outW, int outH) {
    return resize(src, 0, 0, src.height(), src.width(), outW, outH);
  }

  /**
   * PIL's {@code crop(box).resize(size, BILINEAR)} in one go: a box inside the image is resampled
   * in place, with no cropped copy, and the horizontal pass reads a decoder's interleaved pixels as
   * they are; the arithmetic per channel is that of {@link #crop} then {@code resize}.
   */
  static RgbImage resize(RgbImage src, int top, int left, int h, int w, int outW, int outH) {
    if (top < 0 || left < 0 || top + h > src.height() || left + w > src.width()) {
      return resize(crop(src, top, left, h, w), outW, outH); // zero padding: PIL's crop first
    }
    RgbImage tmp = outW != w ? horizontal(src, top, left, h, w, outW) : crop(src, top, left, h, w);
    return outH != h ? vertical(tmp, outH) : tmp;
  }

  /** Crops a box; parts outside the image are zero (black), as PIL's crop does. */
  static RgbImage crop(RgbImage src, int top, int left, int h, int w) {
    int sw = src.width();
    int sh = src.height();
    if (top == 0 && left == 0 && h == sh && w == sw) {
      return src;
    }
    byte[] out = new byte[3 * h * w];
    int x0 = Math.max(0, -left);
    int x1 = Math.min(w, sw - left);
    if (x1 > x0 && src.isInterleaved()) {
      byte[] in = src.interleavedPixels();
      int plane = h * w;
      for (int y = 0; y < h; y++) {
        int sy = top + y;
        if (sy < 0 || sy >= sh) {
          continue;
        }
        int j = (sy * sw + left + x0) * 3;
        int o = y * w + x0;
        for (int x = x0; x < x1; x++, j += 3, o++) {
          out[o] = in[j];
          out[plane + o] = in[j + 1];
          out[2 * plane + o] = in[j + 2];
        }
      }
    } else if (x1 > x0) {
      byte[] in = src.planes();
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {
          int sy = top + y;
          if (sy < 0 || sy >= sh) {
            continue;
          }
          System.arraycopy(in, (c * sh + sy) * sw + left + x0, out, (c * h + y) * w + x0, x1 - x0);
        }
      }
    }
    return new RgbImage(w, h, out);
  }

  static final class Coeffs {
    final int ksize;
    final int[] bounds;
    final int[] kk;

    Coeffs(int ksize, int[] bounds, int[] kk) {
      this.ksize = ksize;
      this.bounds = bounds;
      this.kk = kk;
    }
  }

  private static double bilinear(double x) {
    if (x < 0.0) {
      x = -x;
    }
    return x < 1.0 ? 1.0 - x : 0.0;
  }

  static Coeffs coeffs(int inSize, int outSize) {
    double scale = (double) inSize / outSize;
    double filterscale = Math.max(1.0, scale);
    double support = 1.0 * filterscale;
    int ksize = (int) Math.ceil(support) * 2 + 1;
    int[] bounds = new int[outSize * 2];
    int[] kk = new int[outSize * ksize];
    double[] k = new double[ksize];
    for (int xx = 0; xx < outSize; xx++) {
      double center = (xx + 0.5) * scale;
      double ww = 0.0;
      double ss = 1.0 / filterscale;
      int xmin = (int) (center - support + 0.5);
      if (xmin < 0) {
        xmin = 0;
      }
      int xmax = (int) (center + support + 0.5);
      if (xmax > inSize) {
        xmax = inSize;
      }
      xmax -= xmin;
      for (int x = 0; x < xmax; x++) {
        double w = bilinear((x + xmin - center + 0.5) * ss);
        k[x] = w;
        ww += w;
      }
      for (int x = 0; x < xmax; x++) {
        double v = ww != 0.0 ? k[x] / ww : k[x];
        kk[xx * ksize + x] =
            v < 0
                ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                : (int) (0.5 + v * (1 << PRECISION_BITS));
      }
      bounds[2 * xx] = xmin;
      bounds[2 * xx + 1] = xmax;
    }
    return new Coeffs(ksize, bounds, kk);
  }

  /**
   * The horizontal pass over the box (top, left, h, w) of the source, the three channels in one
   * loop so that each output pixel's bounds and weights are read once (as Pillow does for its RGBX
   * pixels); per channel the arithmetic is Pillow's. Reads a decoder's interleaved pixels as they
   * are (no copy into planes first) or planes; writes planes.
   */
  private static RgbImage horizontal(RgbImage src, int top, int left, int h, int w, int outW) {
    int sw = src.width();
    Coeffs co = coeffs(w, outW);
    int[] bounds = co.bounds;
    int[] kk = co.kk;
    int ksize = co.ksize;
    byte[] out = new byte[3 * h * outW];
    int outPlane = h * outW;
    int half = 1 << (PRECISION_BITS - 1);
    boolean interleaved = src.isInterleaved();
    byte[] in = interleaved ? src.interleavedPixels() : src.planes();
    int inPlane = src.height() * sw;
    for (int row = 0; row < h; row++) {
      int inBase = (top + row) * sw + left;
      int outBase = row * outW;
      for (int xx = 0; xx < outW; xx++) {
        int xmax = bounds[2 * xx + 1];
        int kb = xx * ksize;
        int i = inBase + bounds[2 * xx];
        int s0 = half;
        int s1 = half;
        int s2 = half;
        if (interleaved) {
          for (int x = 0, j = 3 * i; x < xmax; x++, j += 3) {
            int k = kk[kb + x];
            s0 += (in[j] & 0xff) * k;
            s1 += (in[j + 1] & 0xff) * k;
            s2 += (in[j + 2] & 0xff) * k;
          }
        } else {
          for (int x = 0; x < xmax; x++, i++) {
            int k = kk[kb + x];
            s0 += (in[i] & 0xff) * k;
            s1 += (in[inPlane + i] & 0xff) * k;
            s2 += (in[2 * inPlane + i] & 0xff) * k;
          }
        }
        out[outBase + xx] = (byte) clip(s0);
        out[outPlane + outBase + xx] = (byte) clip(s1);
        out[2 * outPlane + outBase + xx] = (byte) clip(s2);
      }
    }
    return new RgbImage(outW, h, out);
  }

  private static RgbImage vertical(RgbImage src, int outH) {
    int w = src.width();
    int h = src.height();
    Coeffs co = coeffs(h, outH);
    byte[] in = src.planes();
    byte[] out = new byte[3 * outH * w];
    int[] acc = new int[w];
    for (int c = 0; c < 3; c++) {
      int inPlane = c * h * w;
      int outPlane = c * outH * w;
      for (int yy = 0; yy < outH; yy++) {
        int ymin = co.bounds[2 * yy];
        int ymax = co.bounds[2 * yy + 1];
        int kb = yy * co.ksize;
        java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
        for (int y = 0; y < ymax; y++) {
          int k = co.kk[kb + y];
          int rowBase = inPlane + (ymin + y) * w;
          for (int x = 0; x < w; x++) {
            acc[x] += (in[rowBase + x] & 0xff) * k;
          }
        }
        int ob = outPlane + yy * w;
        for (int x = 0; x < w; x++) {
          out[ob + x] = (byte) clip(acc[x]);
        }
      }
    }
    return new RgbImage(w, outH, out);
  }

  /**
   * A fixed-point sum to 0..255 without branches: Pillow's clip8 (255 from 255 << 22 up, 0 at 0 and
   * below, else the sum >> 22) in one expression.
   */
  private static int clip(int sum) {
    return Math.min(255, Math.max(0, sum >> PRECISION_BITS));
  }
}
