package dev.finetune.trainer.config;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.NormalizeSpec;
import dev.finetune.trainer.model.ResNet;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a FineTuneJob before anything runs. The bounds, patterns and required fields are read
 * from the same annotations that generate the CRD schema, so the CLI and the API server agree;
 * the semantic checks below are the ones a schema cannot express.
 */
public final class SpecValidator {
  static final int MAX_STRING = 4096;
  static final int MAX_LIST = 1000;
  private static final String SPEC_PACKAGE = FineTuneJobSpec.class.getPackageName();
  private static final java.util.regex.Pattern DNS_1123 =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private SpecValidator() {}

  public static Violations validate(FineTuneJob job) {
    Violations v = new Violations();
    if (!(FineTuneJob.GROUP + "/" + FineTuneJob.VERSION).equals(job.getApiVersion())) {
      v.add("apiVersion", "must be " + FineTuneJob.GROUP + "/" + FineTuneJob.VERSION + ", got '"
          + job.getApiVersion() + "'");
    }
    if (!"FineTuneJob".equals(job.getKind())) {
      v.add("kind", "must be FineTuneJob, got '" + job.getKind() + "'");
    }
    String name = job.getMetadata() == null ? null : job.getMetadata().getName();
    if (name == null || name.length() > 63 || !DNS_1123.matcher(name).matches()) {
      v.add("metadata.name", "must be a DNS-1123 label (lower case letters, digits and '-', at"
          + " most 63 characters), got '" + name + "'");
    }
    if (job.getSpec() == null) {
      v.add("spec", "is required");
      return v;
    }
    walk(job.getSpec(), "spec", v);
    if (v.isEmpty()) {
      semantic(job.getSpec(), v);
    }
    return v;
  }

  /** Bounds, patterns, required fields, string and list sizes, finite numbers. */
  private static void walk(Object node, String path, Violations v) {
    for (Field f : node.getClass().getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      String field = path + "." + f.getName();
      Object value;
      try {
        value = f.get(node);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
      if (value == null) {
        if (f.isAnnotationPresent(Required.class)) {
          v.add(field, "is required");
        } else if (hasDefault(node.getClass(), f)) {
          // An explicit YAML null replaces the field's default, and the trainer relies on it
          // (fuzzing found `architecture: null` crashing the validator with an NPE).
          v.add(field, "must not be null; omit the field to use its default");
        }
        continue;
      }
      check(f, field, value, v);
      if (value instanceof List<?> list) {
        for (int i = 0; i < list.size(); i++) {
          Object item = list.get(i);
          if (item == null) {
            v.add(field + "[" + i + "]", "must not be null");
          } else {
            checkScalar(field + "[" + i + "]", item, v);
          }
        }
      } else if (value.getClass().getPackageName().equals(SPEC_PACKAGE) && !value.getClass().isEnum()) {
        walk(value, field, v);
      }
    }
  }

  private static final java.util.Map<Class<?>, Object> DEFAULTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Whether a freshly constructed spec object has a non-null value in f. */
  private static boolean hasDefault(Class<?> type, Field f) {
    Object fresh = DEFAULTS.computeIfAbsent(type, t -> {
      try {
        return t.getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("spec type " + t + " needs a no-argument constructor", e);
      }
    });
    try {
      return f.get(fresh) != null;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void check(Field f, String field, Object value, Violations v) {
    checkScalar(field, value, v);
    Min min = f.getAnnotation(Min.class);
    Max max = f.getAnnotation(Max.class);
    if (value instanceof Number n) {
      double d = n.doubleValue();
      String range = "[" + (min == null ? "-inf" : fmt(min.value())) + ", "
          + (max == null ? "inf" : fmt(max.value())) + "]";
      if ((min != null && d < min.value()) || (max != null && d > max.value())) {
        v.add(field, "must be in " + range + ", got " + n);
      }
    }
    Pattern pattern = f.getAnnotation(Pattern.class);
    if (pattern != null && value instanceof String s && !s.matches(pattern.value())) {
      v.add(field, "must match " + pattern.value() + ", got '" + abbreviate(s) + "'");
    }
    if (value instanceof List<?> list && list.size() > MAX_LIST) {
      v.add(field, "has " + list.size() + " items; at most " + MAX_LIST + " allowed");
    }
  }

  private static void checkScalar(String field, Object value, Violations v) {
    if (value instanceof String s && s.length() > MAX_STRING) {
      v.add(field, "is " + s.length() + " characters; at most " + MAX_STRING + " allowed");
    }
    if (value instanceof Double d && !Double.isFinite(d)) {
      v.add(field, "must be a finite number, got " + d);
    }
  }

  private static void semantic(FineTuneJobSpec spec, Violations v) {
    if (spec.model.pretrained != null) {
      boolean hasUri = spec.model.pretrained.uri != null;
      boolean hasJob = spec.model.pretrained.fromJob != null;
      if (hasUri == hasJob) {
        v.add("spec.model.pretrained", "set exactly one of uri or fromJob");
      }
      if (hasJob && !DNS_1123.matcher(spec.model.pretrained.fromJob).matches()) {
        v.add("spec.model.pretrained.fromJob", "must be a FineTuneJob name (DNS-1123 label)");
      }
    }
    if (spec.dataset.classes != null) {
      Set<String> seen = new HashSet<>();
      for (String c : spec.dataset.classes) {
        if (c.isBlank() || !seen.add(c)) {
          v.add("spec.dataset.classes", "class names must be non-empty and unique, got '" + c + "'");
        }
      }
      if (spec.dataset.classes.size() < 2) {
        v.add("spec.dataset.classes", "needs at least 2 classes, got " + spec.dataset.classes);
      }
    }
    if (spec.transforms != null && spec.transforms.normalize != null) {
      checkNormalize(spec.transforms.normalize, v);
    }
    if (spec.transforms != null) {
      checkResize(spec.transforms.train, "spec.transforms.train.resize", v);
      checkResize(spec.transforms.test, "spec.transforms.test.resize", v);
    }
    List<String> freeze = spec.training.freeze;
    if (!freeze.isEmpty()) {
      ResNet probe = new ResNet(spec.model.architecture, 2);
      for (String prefix : freeze) {
        if (prefix.equals(ResNet.HEAD) || prefix.startsWith(ResNet.HEAD + ".")) {
          v.add("spec.training.freeze", "'fc' is the new output layer and cannot be frozen");
        } else if (!probe.isModulePrefix(prefix)) {
          v.add("spec.training.freeze", "unknown module '" + prefix + "'; allowed: conv1, bn1,"
              + " layer1..layer4, or a block/module inside them such as layer3.1 or layer2.0.bn1");
        }
      }
      if (spec.model.pretrained == null) {
        v.add("spec.training.freeze", "needs spec.model.pretrained: frozen random layers never learn");
      }
    }
  }

  /** resize: n or [height, width] (see ResizeSpec); the CRD cannot type it. */
  private static void checkResize(ImageTransformSpec t, String field, Violations v) {
    String problem = t == null || t.resize == null ? null : t.resize.problem();
    if (problem != null) {
      v.add(field, problem);
    }
  }

  private static void checkNormalize(NormalizeSpec n, Violations v) {
    if (n.mean == null || n.mean.size() != 3) {
      v.add("spec.transforms.normalize.mean", "needs 3 values (R, G, B), got " + n.mean);
    }
    if (n.std == null || n.std.size() != 3) {
      v.add("spec.transforms.normalize.std", "needs 3 values (R, G, B), got " + n.std);
    } else if (n.std.stream().anyMatch(s -> s == null || !(s > 0))) {
      v.add("spec.transforms.normalize.std", "every value must be > 0, got " + n.std);
    }
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
