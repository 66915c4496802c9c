package dev.finetune.trainer.data.transform;

import dev.finetune.trainer.data.format.RgbImage;

/**
 * PIL's bilinear resampling ({@code Image.resize(size, BILINEAR)}, Pillow 9.x), bit-exact: a
 * separable triangle filter whose support grows with the downscale factor (antialias), applied
 * horizontally then vertically with 22-bit fixed-point weights and rounding to 8 bits between
 * passes. Upscaling uses support 1, i.e. plain bilinear interpolation with half-pixel centres.
 */
final class Resampler {
  private static final int PRECISION_BITS = 32 - 8 - 2;

  private Resampler() {}

  static RgbImage resize(RgbImage src, int outW, int outH) {
    if (outW == src.width() && outH == src.height()) {
      return src;
    }
    RgbImage tmp = src;
    if (outW != src.width()) {
      tmp = horizontal(src, outW);
    }
    if (outH != src.height()) {
      tmp = vertical(tmp, outH);
    }
    return tmp;
  }

  /** Crops a box; parts outside the image are zero (black), as PIL's crop does. */
  static RgbImage crop(RgbImage src, int top, int left, int h, int w) {
    int sw = src.width();
    int sh = src.height();
    if (top == 0 && left == 0 && h == sh && w == sw) {
      return src;
    }
    byte[] in = src.planes();
    byte[] out = new byte[3 * h * w];
    int x0 = Math.max(0, -left);
    int x1 = Math.min(w, sw - left);
    if (x1 > x0) {
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

  private static final class Coeffs {
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

  private static Coeffs coeffs(int inSize, int outSize) {
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

  private static byte clip8(int in) {
    if (in >= (1 << PRECISION_BITS << 8)) {
      return (byte) 255;
    }
    if (in <= 0) {
      return 0;
    }
    return (byte) (in >> PRECISION_BITS);
  }

  /**
   * The horizontal pass, the three planes in one loop so that each output pixel's bounds and
   * weights are read once (as Pillow does for its RGBX pixels); per channel the arithmetic is
   * unchanged.
   */
  private static RgbImage horizontal(RgbImage src, int outW) {
    int w = src.width();
    int h = src.height();
    Coeffs co = coeffs(w, outW);
    int[] bounds = co.bounds;
    int[] kk = co.kk;
    int ksize = co.ksize;
    byte[] in = src.planes();
    byte[] out = new byte[3 * h * outW];
    int inPlane = h * w;
    int outPlane = h * outW;
    int half = 1 << (PRECISION_BITS - 1);
    for (int row = 0; row < h; row++) {
      int inBase = row * w;
      int outBase = row * outW;
      for (int xx = 0; xx < outW; xx++) {
        int xmax = bounds[2 * xx + 1];
        int kb = xx * ksize;
        int i = inBase + bounds[2 * xx];
        int s0 = half;
        int s1 = half;
        int s2 = half;
        for (int x = 0; x < xmax; x++, i++) {
          int k = kk[kb + x];
          s0 += (in[i] & 0xff) * k;
          s1 += (in[inPlane + i] & 0xff) * k;
          s2 += (in[2 * inPlane + i] & 0xff) * k;
        }
        out[outBase + xx] = clip8(s0);
        out[outPlane + outBase + xx] = clip8(s1);
        out[2 * outPlane + outBase + xx] = clip8(s2);
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
          out[ob + x] = clip8(acc[x]);
        }
      }
    }
    return new RgbImage(w, outH, out);
  }
}
