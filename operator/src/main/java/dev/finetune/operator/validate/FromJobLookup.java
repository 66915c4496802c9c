package dev.finetune.operator.validate;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one check that needs the cluster: the FineTuneJob named by {@code
 * spec.model.pretrained.fromJob} must exist in the namespace and have succeeded with a final model.
 * Everything judged from the object alone is {@link dev.finetune.contract.SpecValidator}'s (see
 * {@link Validation#of}). Reads only: the lookup is a function, so tests pass a map.
 */
public final class FromJobLookup {
  private FromJobLookup() {}

  /**
   * A {@code fromJob} source that does not exist is waited for during {@code sourceGrace} after the
   * job's creation (GitOps tools apply a source and its users in one sync, in any order), then it
   * is an invalid spec, so a misspelt name fails.
   */
  public static Validation resolve(
      FineTuneJob ftj,
      Function<String, Optional<FineTuneJob>> jobs,
      Instant now,
      Duration sourceGrace) {
    var spec = ftj.getSpec();
    var pretrained = spec.model == null ? null : spec.model.pretrained;
    if (pretrained == null || pretrained.fromJob == null) {
      return new Validation.Valid(null);
    }
    String field = "spec.model.pretrained.fromJob";
    Optional<FineTuneJob> source = jobs.apply(pretrained.fromJob);
    if (source.isEmpty()) {
      Instant created = created(ftj, now);
      Instant deadline = created.plus(sourceGrace);
      if (now.isBefore(deadline)) {
        return new Validation.Waiting(
            "WaitingForSource",
            "waiting for FineTuneJob '"
                + pretrained.fromJob
                + "' to be created in namespace "
                + ftj.getMetadata().getNamespace()
                + " (the spec is invalid if it does not exist"
                + " by "
                + deadline
                + ")");
      }
      return new Validation.Invalid(
          field,
          "FineTuneJob '"
              + pretrained.fromJob
              + "' does not exist in namespace "
              + ftj.getMetadata().getNamespace()
              + (sourceGrace.isZero() ? "" : " (waited " + sourceGrace + " after creation)")
              + "; create the source job first");
    }
    var status = source.get().getStatus();
    String phase = status == null ? null : status.phase;
    if (Phase.FAILED.label().equals(phase)) {
      return new Validation.Invalid(
          field, "FineTuneJob '" + pretrained.fromJob + "' failed; it has no model to start from");
    }
    if (!Phase.SUCCEEDED.label().equals(phase)) {
      return new Validation.Waiting(
          "WaitingForSource",
          "waiting for FineTuneJob '"
              + pretrained.fromJob
              + "' to succeed (now "
              + (phase == null ? "Pending" : phase)
              + ")");
    }
    if (status.finalModelUri == null) {
      return new Validation.Invalid(
          field,
          "FineTuneJob '"
              + pretrained.fromJob
              + "' succeeded without a final model in object storage (set its spec.checkpoints.uri)");
    }
    return new Validation.Valid(status.finalModelUri);
  }

  private static Instant created(FineTuneJob ftj, Instant fallback) {
    String ts = ftj.getMetadata() == null ? null : ftj.getMetadata().getCreationTimestamp();
    try {
      return ts == null ? fallback : Instant.parse(ts);
    } catch (java.time.format.DateTimeParseException e) {
      return fallback;
    }
  }
}
