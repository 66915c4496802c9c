package dev.finetune.contract.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The FineTuneJob spec fields a sweep parameter may name ({@code training.learningRate}), their
 * kinds, and setting one on a spec. Read from the spec classes themselves, so a new field of a
 * sweepable kind is sweepable without a change here. Not sweepable: what the sweep manages per
 * trial ({@code checkpoints}, {@code baseline}, {@code suspend}) and how a trial is run rather than
 * what it trains (queue, priority, TTL, artifact policy, image, resize's two forms).
 */
public final class SweepFields {
  /** What values a field takes. */
  public enum Kind {
    INTEGER("an integer"),
    REAL("a real number"),
    BOOLEAN("true or false"),
    STRING("a string"),
    ENUM("one of its names"),
    STRING_LIST("a list of strings");

    private final String words;

    Kind(String words) {
      this.words = words;
    }

    public String words() {
      return words;
    }
  }

  /** One sweepable field: its path, its kind, and for an enum its names. */
  public record Leaf(String path, Kind kind, List<Field> chain, List<String> enumNames) {}

  private static final List<String> EXCLUDED =
      List.of(
          "suspend",
          "checkpoints",
          "baseline",
          "queueName",
          "priorityClassName",
          "ttlSecondsAfterFinished",
          "artifactPolicy",
          "image",
          "backoffLimit");
  private static final String SPEC_PACKAGE = FineTuneJobSpec.class.getPackageName();
  private static final Map<String, Leaf> LEAVES = leaves();

  private SweepFields() {}

  /** Every sweepable path, in declaration order. */
  public static List<String> paths() {
    return List.copyOf(LEAVES.keySet());
  }

  public static Optional<Leaf> find(String path) {
    return Optional.ofNullable(path == null ? null : LEAVES.get(path));
  }

  /**
   * Sets {@code value} (already parsed by {@link SweepValues#parse}) at the leaf's path of {@code
   * spec}, creating absent parent objects.
   */
  public static void set(FineTuneJobSpec spec, Leaf leaf, Object value) {
    try {
      Object node = spec;
      List<Field> chain = leaf.chain();
      for (int i = 0; i < chain.size() - 1; i++) {
        Field f = chain.get(i);
        Object child = f.get(node);
        if (child == null) {
          child = f.getType().getDeclaredConstructor().newInstance();
          f.set(node, child);
        }
        node = child;
      }
      chain.get(chain.size() - 1).set(node, value);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot set " + leaf.path(), e);
    }
  }

  private static Map<String, Leaf> leaves() {
    Map<String, Leaf> out = new LinkedHashMap<>();
    collect(FineTuneJobSpec.class, "", new ArrayList<>(), out);
    return out;
  }

  private static void collect(
      Class<?> type, String prefix, List<Field> chain, Map<String, Leaf> out) {
    for (Field f : type.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      String path = prefix + f.getName();
      if (prefix.isEmpty() && EXCLUDED.contains(path)) {
        continue;
      }
      List<Field> here = new ArrayList<>(chain);
      here.add(f);
      Class<?> t = f.getType();
      Kind kind = kind(f);
      if (kind != null) {
        List<String> names = t.isEnum() ? enumNames(t) : List.of();
        out.put(path, new Leaf(path, kind, List.copyOf(here), names));
      } else if (t.getPackageName().equals(SPEC_PACKAGE) && !t.isEnum() && t != ResizeSpec.class) {
        collect(t, path + ".", here, out);
      }
    }
  }

  private static Kind kind(Field f) {
    Class<?> t = f.getType();
    if (t == Integer.class || t == Long.class) {
      return Kind.INTEGER;
    }
    if (t == Double.class) {
      return Kind.REAL;
    }
    if (t == Boolean.class) {
      return Kind.BOOLEAN;
    }
    if (t == String.class) {
      return Kind.STRING;
    }
    if (t.isEnum()) {
      return Kind.ENUM;
    }
    if (t == List.class
        && f.getGenericType() instanceof ParameterizedType p
        && p.getActualTypeArguments()[0] == String.class) {
      return Kind.STRING_LIST;
    }
    return null;
  }

  /** The names an enum has in YAML (its @JsonProperty values, else its constant names). */
  static List<String> enumNames(Class<?> type) {
    return Arrays.stream(type.getFields())
        .filter(Field::isEnumConstant)
        .map(
            c -> {
              JsonProperty p = c.getAnnotation(JsonProperty.class);
              return p != null ? p.value() : c.getName();
            })
        .toList();
  }
}
