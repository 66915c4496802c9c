package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;

/**
 * {@code transforms.*.resize} in one of torchvision's two forms:
 *
 * <ul>
 *   <li>{@code n}: {@code Resize(n)}, the shorter side becomes n and the aspect ratio is kept;
 *   <li>{@code [height, width]}: {@code Resize([h, w])}, both sides are set and the aspect ratio is
 *       not kept (d2l's test transform is {@code Resize([256, 256])}).
 * </ul>
 *
 * It holds whatever was written, so that a value of the wrong shape reaches the spec validator's
 * one-line message ({@link #problem()}) instead of failing deserialisation.
 */
public final class ResizeSpec {
  public static final int MAX_SIDE = 4096;

  /** The allowed forms, for messages and descriptions. */
  public static final String FORMS =
      "an integer 1.."
          + MAX_SIDE
          + " (shorter side) or"
          + " [height, width] with each 1.."
          + MAX_SIDE;

  private final Object raw;

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public ResizeSpec(Object raw) {
    this.raw = raw;
  }

  /** torchvision {@code Resize(n)}. */
  public static ResizeSpec shorterSide(int n) {
    return new ResizeSpec(n);
  }

  /** torchvision {@code Resize([height, width])}. */
  public static ResizeSpec exact(int height, int width) {
    return new ResizeSpec(List.of(height, width));
  }

  /** The value as written (an integer or a list), serialised back unchanged. */
  @JsonValue
  public Object raw() {
    return raw;
  }

  /** Null when the value is one of the two forms, else what is wrong with it. */
  public String problem() {
    if (raw instanceof List<?> list) {
      if (list.size() != 2) {
        return "must be " + FORMS + ", got a list of " + list.size();
      }
      for (Object side : list) {
        if (side(side) < 0) {
          return "must be " + FORMS + ", got " + list;
        }
      }
      return null;
    }
    return side(raw) < 0 ? "must be " + FORMS + ", got " + describe(raw) : null;
  }

  /** True for {@code n} (aspect ratio kept), false for {@code [height, width]}. */
  public boolean keepsAspectRatio() {
    return !(raw instanceof List<?>);
  }

  /** The shorter side of {@code n}; only when {@link #keepsAspectRatio()}. */
  public int shorterSide() {
    return checked(raw);
  }

  /** The height of {@code [height, width]}; only when not {@link #keepsAspectRatio()}. */
  public int height() {
    return checked(((List<?>) raw).get(0));
  }

  /** The width of {@code [height, width]}; only when not {@link #keepsAspectRatio()}. */
  public int width() {
    return checked(((List<?>) raw).get(1));
  }

  private static int checked(Object v) {
    int s = side(v);
    if (s < 0) {
      throw new IllegalStateException("resize " + describe(v) + " is not " + FORMS);
    }
    return s;
  }

  /** The side length, or -1 when v is not an integer 1..MAX_SIDE. */
  private static int side(Object v) {
    long n;
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      n = ((Number) v).longValue();
    } else if (v instanceof BigInteger b && b.bitLength() < 32) {
      n = b.longValue();
    } else {
      return -1;
    }
    return n >= 1 && n <= MAX_SIDE ? (int) n : -1;
  }

  private static String describe(Object v) {
    return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResizeSpec r && Objects.equals(raw, r.raw);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(raw);
  }

  @Override
  public String toString() {
    return String.valueOf(raw);
  }
}
