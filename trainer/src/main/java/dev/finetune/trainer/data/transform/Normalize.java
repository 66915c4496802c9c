package dev.finetune.trainer.data.transform;

import dev.finetune.api.v1alpha1.spec.NormalizeSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.error.TrainerException;
import java.util.List;

/**
 * torchvision {@code ToTensor()} + {@code Normalize(mean, std)}: each byte becomes {@code (v / 255f
 * - mean[c]) / std[c]} in float32, written CHW.
 */
public final class Normalize {
  private final float[] mean;
  private final float[] std;

  /** The output for each channel and byte value: the same float operations, done once. */
  private final float[][] table = new float[3][256];

  public Normalize(double[] mean, double[] std) {
    this.mean = new float[3];
    this.std = new float[3];
    for (int c = 0; c < 3; c++) {
      this.mean[c] = (float) mean[c];
      this.std[c] = (float) std[c];
      for (int b = 0; b < 256; b++) {
        float v = b / 255f;
        table[c][b] = (v - this.mean[c]) / this.std[c];
      }
    }
  }

  /** Validates the spec: three finite means, three finite stds > 0. */
  public static Normalize from(NormalizeSpec spec, String field) {
    NormalizeSpec s = spec == null ? new NormalizeSpec() : spec;
    return new Normalize(
        values(s.mean, field + ".mean", false), values(s.std, field + ".std", true));
  }

  private static double[] values(List<Double> list, String field, boolean positive) {
    if (list == null || list.size() != 3) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          field
              + " must have exactly 3 values (R, G,"
              + " B), got "
              + (list == null ? "none" : list.size()));
    }
    double[] out = new double[3];
    for (int c = 0; c < 3; c++) {
      Double v = list.get(c);
      if (v == null || !Double.isFinite(v) || (positive && v <= 0)) {
        throw new TrainerException(
            ExitCode.INVALID_SPEC,
            field
                + "["
                + c
                + "] must be a finite"
                + " number"
                + (positive ? " > 0" : "")
                + ", got "
                + v);
      }
      out[c] = v;
    }
    return out;
  }

  /** Writes 3 * h * w floats for the image at {@code dst[offset..]}. */
  /**
   * The largest magnitude a pixel in [0, 1] can have after normalizing: max over channels of
   * max(|mean|, |1 - mean|) / std. ImageNet's values give about 2.6.
   */
  public static double maxMagnitude(NormalizeSpec spec) {
    if (spec == null
        || spec.mean == null
        || spec.std == null
        || spec.mean.size() != 3
        || spec.std.size() != 3) {
      return 0;
    }
    double max = 0;
    for (int c = 0; c < 3; c++) {
      Double m = spec.mean.get(c);
      Double sd = spec.std.get(c);
      if (m == null || sd == null || !(sd > 0)) {
        return 0; // the validator reports these
      }
      max = Math.max(max, Math.max(Math.abs(m), Math.abs(1 - m)) / sd);
    }
    return max;
  }

  /** As {@link #maxMagnitude(NormalizeSpec)}, for this normalization. */
  public double maxMagnitude() {
    double max = 0;
    for (int c = 0; c < 3; c++) {
      max = Math.max(max, Math.max(Math.abs(mean[c]), Math.abs(1 - mean[c])) / std[c]);
    }
    return max;
  }

  public void apply(RgbImage image, float[] dst, int offset) {
    byte[] p = image.planes();
    int n = image.width() * image.height();
    for (int c = 0; c < 3; c++) {
      float[] t = table[c];
      int base = c * n;
      for (int i = 0; i < n; i++) {
        dst[offset + base + i] = t[p[base + i] & 0xff];
      }
    }
  }
}
