package dev.finetune.operator.validate;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.operator.status.Phase;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Phase 2: semantic checks the CRD schema cannot make. Reads only (the fromJob lookup is a
 * function so tests pass a map).
 */
public final class SpecValidator {
  /** {@code <name>-attempt-N} (N up to 6 digits) must stay a 63-character DNS label. */
  public static final int MAX_NAME = 48;
  static final Set<String> DATASET_SCHEMES = Set.of("file", "https", "s3");

  private SpecValidator() {}

  public static Validation validate(FineTuneJob ftj, Function<String, Optional<FineTuneJob>> jobs) {
    String name = ftj.getMetadata().getName();
    if (name.length() > MAX_NAME) {
      return new Validation.Invalid("metadata.name", "is " + name.length()
          + " characters; at most " + MAX_NAME + " allowed so that trainer Job names ("
          + name + "-attempt-N) stay DNS labels");
    }
    FineTuneJobSpec spec = ftj.getSpec();
    if (spec == null) {
      return new Validation.Invalid("spec", "is required");
    }
    if (spec.resources != null) {
      for (var e : new String[][] {{"spec.resources.cpu", spec.resources.cpu},
          {"spec.resources.memory", spec.resources.memory}}) {
        if (e[1] != null && !isQuantity(e[1])) {
          return new Validation.Invalid(e[0], "'" + e[1] + "' is not a Kubernetes quantity"
              + " (e.g. \"4\", \"500m\", \"8Gi\")");
        }
      }
    }
    if (spec.checkpoints != null && spec.checkpoints.uri != null
        && !"s3".equals(scheme(spec.checkpoints.uri))) {
      return new Validation.Invalid("spec.checkpoints.uri", "scheme '" + scheme(spec.checkpoints.uri)
          + "' is not supported in a cluster (the trainer pod has no persistent disk); use s3://"
          + "BUCKET/PREFIX");
    }
    if (spec.dataset != null) {
      for (var e : new String[][] {{"spec.dataset.train", spec.dataset.train},
          {"spec.dataset.test", spec.dataset.test}}) {
        if (e[1] != null && !DATASET_SCHEMES.contains(scheme(e[1]))) {
          return new Validation.Invalid(e[0], "scheme '" + scheme(e[1])
              + "' is not supported; use one of file://, https://, s3://");
        }
      }
    }
    var pretrained = spec.model == null ? null : spec.model.pretrained;
    if (pretrained != null && pretrained.fromJob != null) {
      String field = "spec.model.pretrained.fromJob";
      if (pretrained.fromJob.equals(name)) {
        return new Validation.Invalid(field, "a job cannot start from its own model");
      }
      Optional<FineTuneJob> source = jobs.apply(pretrained.fromJob);
      if (source.isEmpty()) {
        return new Validation.Invalid(field, "FineTuneJob '" + pretrained.fromJob
            + "' does not exist in namespace " + ftj.getMetadata().getNamespace());
      }
      var status = source.get().getStatus();
      String phase = status == null ? null : status.phase;
      if (Phase.FAILED.label().equals(phase)) {
        return new Validation.Invalid(field, "FineTuneJob '" + pretrained.fromJob
            + "' failed; it has no model to start from");
      }
      if (!Phase.SUCCEEDED.label().equals(phase)) {
        return new Validation.Waiting("WaitingForSource", "waiting for FineTuneJob '"
            + pretrained.fromJob + "' to succeed (now " + (phase == null ? "Pending" : phase) + ")");
      }
      if (status.finalModelUri == null) {
        return new Validation.Invalid(field, "FineTuneJob '" + pretrained.fromJob
            + "' succeeded without a final model in object storage (set its spec.checkpoints.uri)");
      }
      return new Validation.Valid(status.finalModelUri);
    }
    return new Validation.Valid(null);
  }

  static boolean isQuantity(String q) {
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
}
