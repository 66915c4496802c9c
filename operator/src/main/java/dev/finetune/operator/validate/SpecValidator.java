package dev.finetune.operator.validate;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.operator.status.Phase;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Phase 2: semantic checks the CRD schema cannot make. Reads only (the fromJob lookup is a
 * function so tests pass a map).
 *
 * <p>{@link #checkObject} holds every check that needs nothing but the object itself; the
 * admission webhook runs exactly those, so a user sees the same message at {@code kubectl apply}
 * as later in the {@code Failed} condition. {@link #validate} adds what depends on other objects
 * (the {@code fromJob} source), which the webhook must not judge: GitOps tools apply objects in
 * any order.
 */
public final class SpecValidator {
  /** {@code <name>-attempt-N} (N up to 6 digits) must stay a 63-character DNS label. */
  public static final int MAX_NAME = 48;
  static final Set<String> DATASET_SCHEMES = Set.of("file", "https", "s3");
  /** An object name (RFC 1123 subdomain): FineTuneJobs, Secrets, LocalQueues. */
  static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  /** A label value: queueName becomes the kueue.x-k8s.io/queue-name label of the trainer Job. */
  static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  /** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens. */
  static final Pattern S3_BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  private SpecValidator() {}

  /** As {@link #validate(FineTuneJob, Function, Instant, Duration)} with no grace period. */
  public static Validation validate(FineTuneJob ftj, Function<String, Optional<FineTuneJob>> jobs) {
    return validate(ftj, jobs, Instant.now(), Duration.ZERO);
  }

  /**
   * All checks. A {@code fromJob} source that does not exist is waited for during
   * {@code sourceGrace} after the job's creation (GitOps tools apply a source and its users in
   * one sync, in any order), then it is an invalid spec, so a misspelt name fails.
   */
  public static Validation validate(FineTuneJob ftj, Function<String, Optional<FineTuneJob>> jobs,
      Instant now, Duration sourceGrace) {
    Optional<Validation.Invalid> invalid = checkObject(ftj);
    if (invalid.isPresent()) {
      return invalid.get();
    }
    FineTuneJobSpec spec = ftj.getSpec();
    var pretrained = spec.model == null ? null : spec.model.pretrained;
    if (pretrained != null && pretrained.fromJob != null) {
      String field = "spec.model.pretrained.fromJob";
      Optional<FineTuneJob> source = jobs.apply(pretrained.fromJob);
      if (source.isEmpty()) {
        Instant created = created(ftj, now);
        Instant deadline = created.plus(sourceGrace);
        if (now.isBefore(deadline)) {
          return new Validation.Waiting("WaitingForSource", "waiting for FineTuneJob '"
              + pretrained.fromJob + "' to be created in namespace "
              + ftj.getMetadata().getNamespace() + " (the spec is invalid if it does not exist"
              + " by " + deadline + ")");
        }
        return new Validation.Invalid(field, "FineTuneJob '" + pretrained.fromJob
            + "' does not exist in namespace " + ftj.getMetadata().getNamespace()
            + (sourceGrace.isZero() ? "" : " (waited " + sourceGrace + " after creation)")
            + "; create the source job first");
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

  private static Instant created(FineTuneJob ftj, Instant fallback) {
    String ts = ftj.getMetadata() == null ? null : ftj.getMetadata().getCreationTimestamp();
    try {
      return ts == null ? fallback : Instant.parse(ts);
    } catch (java.time.format.DateTimeParseException e) {
      return fallback;
    }
  }

  /**
   * The checks that look at this object alone, first failure only. Safe at admission time: no
   * lookups, and nothing that may become true later.
   */
  public static Optional<Validation.Invalid> checkObject(FineTuneJob ftj) {
    String name = ftj.getMetadata() == null ? null : ftj.getMetadata().getName();
    if (name != null && name.length() > MAX_NAME) {
      return invalid("metadata.name", "is " + name.length() + " characters; at most " + MAX_NAME
          + " allowed so that trainer Job names (" + name + "-attempt-N) stay DNS labels");
    }
    FineTuneJobSpec spec = ftj.getSpec();
    if (spec == null) {
      return invalid("spec", "is required");
    }
    if (spec.resources != null) {
      for (var e : new String[][] {{"spec.resources.cpu", spec.resources.cpu},
          {"spec.resources.memory", spec.resources.memory}}) {
        if (e[1] != null && !isQuantity(e[1])) {
          return invalid(e[0], "'" + e[1] + "' is not a Kubernetes quantity"
              + " (e.g. \"4\", \"500m\", \"8Gi\")");
        }
      }
    }
    if (spec.checkpoints != null && spec.checkpoints.uri != null) {
      String uri = spec.checkpoints.uri;
      if (!"s3".equals(scheme(uri))) {
        return invalid("spec.checkpoints.uri", "scheme '" + scheme(uri)
            + "' is not supported in a cluster (the trainer pod has no persistent disk); use s3://"
            + "BUCKET/PREFIX");
      }
      Optional<Validation.Invalid> form = uriForm("spec.checkpoints.uri", uri);
      if (form.isPresent()) {
        return form;
      }
    }
    if (spec.checkpoints != null && spec.checkpoints.credentialsSecret != null
        && !isObjectName(spec.checkpoints.credentialsSecret)) {
      return invalid("spec.checkpoints.credentialsSecret", "'" + spec.checkpoints.credentialsSecret
          + "' is not a Secret name (lowercase letters, digits, '-' and '.', at most 253)");
    }
    if (spec.dataset != null) {
      for (var e : new String[][] {{"spec.dataset.train", spec.dataset.train},
          {"spec.dataset.test", spec.dataset.test}}) {
        if (e[1] != null && !DATASET_SCHEMES.contains(scheme(e[1]))) {
          return invalid(e[0], "scheme '" + scheme(e[1])
              + "' is not supported; use one of file://, https://, s3://");
        }
        Optional<Validation.Invalid> form = e[1] == null ? Optional.empty() : uriForm(e[0], e[1]);
        if (form.isPresent()) {
          return form;
        }
      }
    }
    var pretrained = spec.model == null ? null : spec.model.pretrained;
    if (pretrained != null && pretrained.uri != null) {
      Optional<Validation.Invalid> form = uriForm("spec.model.pretrained.uri", pretrained.uri);
      if (form.isPresent()) {
        return form;
      }
    }
    if (pretrained != null && pretrained.fromJob != null) {
      String field = "spec.model.pretrained.fromJob";
      if (!isObjectName(pretrained.fromJob) || pretrained.fromJob.length() > MAX_NAME) {
        return invalid(field, "'" + pretrained.fromJob + "' is not a FineTuneJob name (lowercase"
            + " letters, digits, '-' and '.', at most " + MAX_NAME + " characters)");
      }
      if (pretrained.fromJob.equals(name)) {
        return invalid(field, "a job cannot start from its own model");
      }
    }
    if (spec.queueName != null && (spec.queueName.isEmpty() || spec.queueName.length() > 63
        || !LABEL_VALUE.matcher(spec.queueName).matches())) {
      return invalid("spec.queueName", "'" + spec.queueName + "' is not a Kueue LocalQueue name"
          + " usable as the kueue.x-k8s.io/queue-name label (1-63 letters, digits, '-', '_' and"
          + " '.', starting and ending with a letter or digit)");
    }
    if (spec.priorityClassName != null && !isObjectName(spec.priorityClassName)) {
      return invalid("spec.priorityClassName", "'" + spec.priorityClassName
          + "' is not a PriorityClass name (lowercase letters, digits, '-' and '.', at most 253)");
    }
    return Optional.empty();
  }

  private static Optional<Validation.Invalid> invalid(String field, String message) {
    return Optional.of(new Validation.Invalid(field, message));
  }

  /** s3:// needs a valid bucket, https:// a host; file:// and hf:// have no host to check. */
  static Optional<Validation.Invalid> uriForm(String field, String uri) {
    String scheme = scheme(uri);
    String rest = uri.length() > scheme.length() + 3 ? uri.substring(scheme.length() + 3) : "";
    String authority = rest.split("[/#?]", 2)[0];
    if ("s3".equals(scheme) && !S3_BUCKET.matcher(authority).matches()) {
      return invalid(field, "'" + uri + "' has no valid bucket; use s3://BUCKET/KEY (bucket: 3-63"
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
        return invalid(field, "'" + uri + "' is not a valid https:// URL with a host");
      }
    }
    return Optional.empty();
  }

  static boolean isObjectName(String s) {
    return s.length() <= 253 && DNS_SUBDOMAIN.matcher(s).matches();
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
