package dev.finetune.contract.sweep;

import dev.finetune.contract.sweep.SweepFields.Kind;
import dev.finetune.contract.sweep.SweepFields.Leaf;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.List;

/**
 * A parameter value as text (how it appears in trial names, status and the table) and as the typed
 * value a spec field holds. Reals are kept to 6 significant digits, so a grid point or a random
 * draw has one spelling everywhere.
 */
public final class SweepValues {
  private static final MathContext DIGITS = new MathContext(6);

  private SweepValues() {}

  /** The canonical text of a real: 6 significant digits, plain notation ("0.0001", "12.5"). */
  public static String real(double d) {
    BigDecimal b = new BigDecimal(d).round(DIGITS).stripTrailingZeros();
    return b.scale() < 0 ? b.setScale(0).toPlainString() : b.toPlainString();
  }

  /**
   * The typed value of {@code text} for the leaf's field, or an exception whose message says what
   * the field takes.
   */
  public static Object parse(Leaf leaf, String text) {
    String s = text == null ? "" : text.trim();
    Field last = leaf.chain().get(leaf.chain().size() - 1);
    try {
      switch (leaf.kind()) {
        case INTEGER:
          return last.getType() == Long.class
              ? (Object) Long.parseLong(s)
              : (Object) Integer.parseInt(s);
        case REAL:
          double d = Double.parseDouble(s);
          if (!Double.isFinite(d)) {
            throw new NumberFormatException();
          }
          return d;
        case BOOLEAN:
          if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException();
          }
          return Boolean.valueOf(s);
        case STRING:
          return s;
        case ENUM:
          Object[] constants = last.getType().getEnumConstants();
          int i = leaf.enumNames().indexOf(s);
          if (i < 0) {
            throw new IllegalArgumentException();
          }
          return constants[i];
        case STRING_LIST:
          return s.isEmpty() ? List.of() : Arrays.stream(s.split(",")).map(String::trim).toList();
        default:
          throw new IllegalStateException(leaf.kind().toString());
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not " + words(leaf));
    }
  }

  /** What the field takes, for messages. */
  public static String words(Leaf leaf) {
    return leaf.kind() == Kind.ENUM
        ? "one of " + String.join(", ", leaf.enumNames())
        : leaf.kind().words();
  }
}
