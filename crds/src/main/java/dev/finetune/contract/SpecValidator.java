package dev.finetune.contract;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.NormalizeSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one set of rules a FineTuneJob must satisfy, judged from the object alone (no lookups): the
 * admission webhook, the operator's reconciler and {@code finetune validate}/{@code train} all call
 * it, so each says the same thing about the same spec. Bounds, patterns and required fields are
 * read from the annotations that generate the CRD schema; the rules below them are those a schema
 * cannot express.
 *
 * <p>{@link Placement#CLUSTER} adds what only holds in a cluster: checkpoints in {@code s3://} (a
 * pod has no persistent disk), and datasets and source models only over the schemes the cluster's
 * operator lets trainer pods read ({@link UriSchemes}: its {@code trainer-allowed-schemes}, {@link
 * UriSchemes#CLUSTER_DEFAULT} as deploy/base sets it). On one machine the trainer's own {@code
 * --allowed-schemes} applies when it fetches.
 */
public final class SpecValidator {
  /** Where the job runs. */
  public enum Placement {
    CLUSTER,
    LOCAL
  }

  /**
   * Longest FineTuneJob name: trainer Jobs are named {@code <name>-attempt-<N>} (N up to 6 digits),
   * and a Job's name becomes its pods' {@code job-name} and {@code batch.kubernetes.io/job-name}
   * label values, which allow at most 63 characters.
   */
  public static final int MAX_NAME = 63 - "-attempt-".length() - 6;

  static final int MAX_STRING = 4096;
  static final int MAX_LIST = 1000;
  private static final String SPEC_PACKAGE = FineTuneJobSpec.class.getPackageName();

  /** A DNS-1123 label: FineTuneJob names (they become parts of Job, pod and label values). */
  private static final java.util.regex.Pattern DNS_LABEL =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /** An object name (RFC 1123 subdomain): Secrets, PriorityClasses. */
  private static final java.util.regex.Pattern DNS_SUBDOMAIN =
      java.util.regex.Pattern.compile(
          "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A label value: queueName becomes the kueue.x-k8s.io/queue-name label of the trainer Job. */
  private static final java.util.regex.Pattern LABEL_VALUE =
      java.util.regex.Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

  private static final Map<Class<?>, Object> DEFAULTS = new ConcurrentHashMap<>();

  private SpecValidator() {}

  /** Every problem, in a fixed order (the first is the one a single-line report shows). */
  public static List<Violation> validate(FineTuneJob job, Placement placement) {
    return validate(job, placement, UriSchemes.CLUSTER_DEFAULT);
  }

  /**
   * As above; in a cluster, datasets and the source model must use one of {@code schemes} (the
   * operator's trainer-allowed-schemes, as the trainer pod will enforce them).
   */
  public static List<Violation> validate(
      FineTuneJob job, Placement placement, List<String> schemes) {
    List<Violation> v = new ArrayList<>();
    if (!(FineTuneJob.GROUP + "/" + FineTuneJob.VERSION).equals(job.getApiVersion())) {
      add(
          v,
          "apiVersion",
          "must be "
              + FineTuneJob.GROUP
              + "/"
              + FineTuneJob.VERSION
              + ", got '"
              + job.getApiVersion()
              + "'");
    }
    if (!"FineTuneJob".equals(job.getKind())) {
      add(v, "kind", "must be FineTuneJob, got '" + job.getKind() + "'");
    }
    String name = job.getMetadata() == null ? null : job.getMetadata().getName();
    if (!isJobName(name)) {
      add(
          v,
          "metadata.name",
          "must be a DNS-1123 label of at most "
              + MAX_NAME
              + " characters"
              + " (lower case letters, digits and '-'), so that trainer Job names (NAME-attempt-N)"
              + " stay 63-character labels, got '"
              + name
              + "'");
    }
    FineTuneJobSpec spec = job.getSpec();
    if (spec == null) {
      add(v, "spec", "is required");
      return v;
    }
    walk(spec, "spec", v);
    boolean shapeOk = v.isEmpty();
    objectRules(spec, name, placement, schemes, v);
    if (shapeOk) {
      semanticRules(spec, v);
    }
    return v;
  }

  /** The first problem, or empty if the job is valid. */
  public static Optional<Violation> firstProblem(FineTuneJob job, Placement placement) {
    return firstProblem(job, placement, UriSchemes.CLUSTER_DEFAULT);
  }

  /** The first of {@link #validate(FineTuneJob, Placement, List)}'s problems. */
  public static Optional<Violation> firstProblem(
      FineTuneJob job, Placement placement, List<String> schemes) {
    List<Violation> v = validate(job, placement, schemes);
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  public static boolean isJobName(String s) {
    return s != null && s.length() <= MAX_NAME && DNS_LABEL.matcher(s).matches();
  }

  private static void add(List<Violation> v, String field, String problem) {
    v.add(new Violation(field, problem));
  }

  // ---------------------------------------------------------------- schema annotations

  /** Bounds, patterns, required fields, string and list sizes, finite numbers. */
  private static void walk(Object node, String path, List<Violation> v) {
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
          add(v, field, "is required");
        } else if (hasDefault(node.getClass(), f)) {
          // An explicit YAML null replaces the field's default, which the trainer relies on.
          add(v, field, "must not be null; omit the field to use its default");
        }
        continue;
      }
      check(f, field, value, v);
      if (value instanceof List<?> list) {
        for (int i = 0; i < list.size(); i++) {
          Object item = list.get(i);
          if (item == null) {
            add(v, field + "[" + i + "]", "must not be null");
          } else {
            checkScalar(field + "[" + i + "]", item, v);
          }
        }
      } else if (value.getClass().getPackageName().equals(SPEC_PACKAGE)
          && !value.getClass().isEnum()) {
        walk(value, field, v);
      }
    }
  }

  /** Whether a freshly constructed spec object has a non-null value in f. */
  private static boolean hasDefault(Class<?> type, Field f) {
    Object fresh =
        DEFAULTS.computeIfAbsent(
            type,
            t -> {
              try {
                return t.getDeclaredConstructor().newInstance();
              } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(
                    "spec type " + t + " needs a no-argument constructor", e);
              }
            });
    try {
      return f.get(fresh) != null;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void check(Field f, String field, Object value, List<Violation> v) {
    checkScalar(field, value, v);
    Min min = f.getAnnotation(Min.class);
    Max max = f.getAnnotation(Max.class);
    if (value instanceof Number n) {
      double d = n.doubleValue();
      String range =
          "["
              + (min == null ? "-inf" : fmt(min.value()))
              + ", "
              + (max == null ? "inf" : fmt(max.value()))
              + "]";
      if ((min != null && d < min.value()) || (max != null && d > max.value())) {
        add(v, field, "must be in " + range + ", got " + n);
      }
    }
    Pattern pattern = f.getAnnotation(Pattern.class);
    if (pattern != null && value instanceof String s && !s.matches(pattern.value())) {
      add(v, field, "must match " + pattern.value() + ", got '" + abbreviate(s) + "'");
    }
    if (value instanceof List<?> list && list.size() > MAX_LIST) {
      add(v, field, "has " + list.size() + " items; at most " + MAX_LIST + " allowed");
    }
  }

  private static void checkScalar(String field, Object value, List<Violation> v) {
    if (value instanceof String s && s.length() > MAX_STRING) {
      add(v, field, "is " + s.length() + " characters; at most " + MAX_STRING + " allowed");
    }
    if (value instanceof Double d && !Double.isFinite(d)) {
      add(v, field, "must be a finite number, got " + d);
    }
  }

  // ---------------------------------------------------------------- names, URIs, quantities

  /** Null-safe: they run even when the schema walk found problems. */
  private static void objectRules(
      FineTuneJobSpec spec,
      String name,
      Placement placement,
      List<String> schemes,
      List<Violation> v) {
    if (spec.resources != null) {
      quantity(v, "spec.resources.cpu", spec.resources.cpu);
      quantity(v, "spec.resources.memory", spec.resources.memory);
    }
    String checkpoints = spec.checkpoints == null ? null : spec.checkpoints.uri;
    if (checkpoints != null) {
      if (placement == Placement.CLUSTER && !"s3".equals(scheme(checkpoints))) {
        add(
            v,
            "spec.checkpoints.uri",
            "scheme '"
                + scheme(checkpoints)
                + "' is not supported in"
                + " a cluster (the trainer pod has no persistent disk); use s3://BUCKET/PREFIX");
      } else {
        uriForm(v, "spec.checkpoints.uri", checkpoints);
      }
    }
    if (spec.checkpoints != null
        && spec.checkpoints.credentialsSecret != null
        && !isObjectName(spec.checkpoints.credentialsSecret)) {
      add(
          v,
          "spec.checkpoints.credentialsSecret",
          "'"
              + spec.checkpoints.credentialsSecret
              + "' is not a Secret name (lowercase letters, digits, '-' and '.', at most 253)");
    }
    if (spec.dataset != null) {
      for (String[] e :
          new String[][] {
            {"spec.dataset.train", spec.dataset.train},
            {"spec.dataset.test", spec.dataset.test},
            {
              "spec.dataset.validation.uri",
              spec.dataset.validation == null ? null : spec.dataset.validation.uri
            }
          }) {
        if (e[1] == null) {
          continue;
        }
        if (!clusterScheme(v, e[0], e[1], placement, schemes)) {
          uriForm(v, e[0], e[1]);
        }
      }
    }
    var pretrained = spec.model == null ? null : spec.model.pretrained;
    if (pretrained != null
        && pretrained.uri != null
        && !clusterScheme(v, "spec.model.pretrained.uri", pretrained.uri, placement, schemes)) {
      uriForm(v, "spec.model.pretrained.uri", pretrained.uri);
    }
    if (pretrained != null && pretrained.fromJob != null) {
      String field = "spec.model.pretrained.fromJob";
      if (!isJobName(pretrained.fromJob)) {
        add(
            v,
            field,
            "'"
                + pretrained.fromJob
                + "' is not a FineTuneJob name (a DNS-1123 label:"
                + " lowercase letters, digits and '-', at most "
                + MAX_NAME
                + " characters)");
      } else if (pretrained.fromJob.equals(name)) {
        add(v, field, "a job cannot start from its own model");
      }
    }
    if (spec.queueName != null
        && (spec.queueName.isEmpty()
            || spec.queueName.length() > 63
            || !LABEL_VALUE.matcher(spec.queueName).matches())) {
      add(
          v,
          "spec.queueName",
          "'"
              + spec.queueName
              + "' is not a Kueue LocalQueue name"
              + " usable as the kueue.x-k8s.io/queue-name label (1-63 letters, digits, '-', '_' and"
              + " '.', starting and ending with a letter or digit)");
    }
    var mlflow = spec.registry == null ? null : spec.registry.mlflow;
    if (mlflow != null) {
      // the schema's pattern names the schemes; this names a URL without a host
      if (mlflow.uri != null && mlflow.uri.matches("^https?://.+") && !hasHost(mlflow.uri)) {
        add(
            v,
            "spec.registry.mlflow.uri",
            "'"
                + abbreviate(mlflow.uri)
                + "' is not a URL with"
                + " a host; use http://HOST[:PORT][/PATH] or https://HOST[:PORT][/PATH]");
      }
      if (mlflow.credentialsSecret != null && !isObjectName(mlflow.credentialsSecret)) {
        add(
            v,
            "spec.registry.mlflow.credentialsSecret",
            "'"
                + mlflow.credentialsSecret
                + "' is not a Secret name (lowercase letters, digits, '-' and '.', at most 253)");
      }
    }
    if (spec.priorityClassName != null && !isObjectName(spec.priorityClassName)) {
      add(
          v,
          "spec.priorityClassName",
          "'"
              + spec.priorityClassName
              + "' is not a PriorityClass name (lowercase letters, digits, '-' and '.', at most 253)");
    }
  }

  private static void quantity(List<Violation> v, String field, String q) {
    if (q != null && !isQuantity(q)) {
      add(v, field, "'" + q + "' is not a Kubernetes quantity (e.g. \"4\", \"500m\", \"8Gi\")");
    }
  }

  /**
   * In a cluster, a URI whose scheme the trainer pod will refuse: adds the violation and returns
   * true. The message names the allowed schemes and the setting, so a refusal here and the pod's
   * own refusal (exit 4) say the same thing.
   */
  private static boolean clusterScheme(
      List<Violation> v, String field, String uri, Placement placement, List<String> schemes) {
    String scheme = scheme(uri).toLowerCase(java.util.Locale.ROOT);
    if (placement != Placement.CLUSTER || scheme.isEmpty() || schemes.contains(scheme)) {
      return false; // no scheme at all: uriForm names the problem
    }
    add(
        v,
        field,
        "scheme '"
            + scheme(uri)
            + "' is not allowed in this cluster; allowed: "
            + String.join(", ", schemes)
            + " ("
            + UriSchemes.SETTING
            + ")");
    return true;
  }

  /** s3:// needs a valid bucket, https:// a host; file:// and hf:// have no host to check. */
  private static void uriForm(List<Violation> v, String field, String uri) {
    String scheme = scheme(uri);
    String rest = uri.length() > scheme.length() + 3 ? uri.substring(scheme.length() + 3) : "";
    String authority = rest.split("[/#?]", 2)[0];
    if ("s3".equals(scheme) && !S3Env.isBucketName(authority)) {
      add(
          v,
          field,
          "'"
              + uri
              + "' has no valid bucket; use s3://BUCKET/KEY (bucket: 3-63"
              + " lowercase letters, digits, '.' and '-')");
    }
    if ("https".equals(scheme)) {
      String host = null;
      try {
        host = URI.create(uri.split("#", 2)[0]).getHost();
      } catch (IllegalArgumentException e) {
        // reported below
      }
      if (host == null || host.isEmpty()) {
        add(v, field, "'" + uri + "' is not a valid https:// URL with a host");
      }
    }
  }

  private static boolean hasHost(String url) {
    try {
      String host = URI.create(url).getHost();
      return host != null && !host.isEmpty();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isObjectName(String s) {
    return s.length() <= 253 && DNS_SUBDOMAIN.matcher(s).matches();
  }

  private static boolean isQuantity(String q) {
    try {
      return new io.fabric8.kubernetes.api.model.Quantity(q).getNumericalAmount().signum() > 0;
    } catch (IllegalArgumentException | ArithmeticException e) {
      return false;
    }
  }

  static String scheme(String uri) {
    try {
      String s = URI.create(uri.split("#", 2)[0]).getScheme();
      return s == null ? "" : s;
    } catch (IllegalArgumentException e) {
      int i = uri.indexOf("://");
      return i < 0 ? "" : uri.substring(0, i);
    }
  }

  // ---------------------------------------------------------------- training semantics

  /** Runs only when the schema walk passed: required fields are there. */
  private static void semanticRules(FineTuneJobSpec spec, List<Violation> v) {
    if (spec.model.pretrained != null
        && (spec.model.pretrained.uri != null) == (spec.model.pretrained.fromJob != null)) {
      add(v, "spec.model.pretrained", "set exactly one of uri or fromJob");
    }
    if (spec.dataset.classes != null) {
      Set<String> seen = new HashSet<>();
      for (String c : spec.dataset.classes) {
        if (c.isBlank() || !seen.add(c)) {
          add(
              v,
              "spec.dataset.classes",
              "class names must be non-empty and unique, got '" + c + "'");
        }
      }
      if (spec.dataset.classes.size() < 2) {
        add(v, "spec.dataset.classes", "needs at least 2 classes, got " + spec.dataset.classes);
      }
    }
    if (spec.dataset.validation != null
        && (spec.dataset.validation.fraction != null) == (spec.dataset.validation.uri != null)) {
      add(
          v,
          "spec.dataset.validation",
          "set exactly one of fraction (0.01-0.5 of each class's"
              + " training images) or uri (a split of its own)");
    }
    if (spec.transforms != null && spec.transforms.normalize != null) {
      normalize(spec.transforms.normalize, v);
    }
    if (spec.transforms != null) {
      resize(spec.transforms.train, "spec.transforms.train.resize", v);
      resize(spec.transforms.test, "spec.transforms.test.resize", v);
    }
    List<String> freeze = spec.training.freeze;
    if (!freeze.isEmpty()) {
      for (String prefix : freeze) {
        if (prefix.equals(ResNetLayers.HEAD) || prefix.startsWith(ResNetLayers.HEAD + ".")) {
          add(v, "spec.training.freeze", "'fc' is the new output layer and cannot be frozen");
        } else if (!ResNetLayers.isModulePrefix(spec.model.architecture, prefix)) {
          add(
              v,
              "spec.training.freeze",
              "unknown module '"
                  + prefix
                  + "'; allowed: conv1, bn1,"
                  + " layer1..layer4, or a block/module inside them such as layer3.1 or layer2.0.bn1");
        }
      }
      if (spec.model.pretrained == null) {
        add(
            v,
            "spec.training.freeze",
            "needs spec.model.pretrained: frozen random layers never" + " learn");
      }
    }
    AutoRecipe.rules(spec, v);
  }

  /**
   * resize: n or [height, width] ({@link ResizeSpec}). The CRD cannot type it (an integer or a
   * list), so the API server stores any value and this is the check.
   */
  private static void resize(ImageTransformSpec t, String field, List<Violation> v) {
    String problem = t == null || t.resize == null ? null : t.resize.problem();
    if (problem != null) {
      add(v, field, problem);
    }
  }

  private static void normalize(NormalizeSpec n, List<Violation> v) {
    if (n.mean == null || n.mean.size() != 3) {
      add(v, "spec.transforms.normalize.mean", "needs 3 values (R, G, B), got " + n.mean);
    }
    if (n.std == null || n.std.size() != 3) {
      add(v, "spec.transforms.normalize.std", "needs 3 values (R, G, B), got " + n.std);
    } else if (n.std.stream().anyMatch(s -> s == null || !(s > 0))) {
      add(v, "spec.transforms.normalize.std", "every value must be > 0, got " + n.std);
    }
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
