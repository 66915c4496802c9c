package dev.finetune.operator.validate;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.SpecValidator;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Outcome of phase 2. */
public sealed interface Validation {
  /**
   * The spec can run; {@code fromJobModelUri} is the source model when
   * spec.model.pretrained.fromJob is set.
   */
  record Valid(String fromJobModelUri) implements Validation {}

  /** The spec can never run: {@code field} names what to fix. */
  record Invalid(String field, String message) implements Validation {
    public String text() {
      return field + ": " + message;
    }
  }

  /** The spec is fine but depends on something not ready yet (a fromJob that still runs). */
  record Waiting(String reason, String message) implements Validation {}

  /**
   * Phase 2 as the reconciler runs it: the contract's object rules for a cluster (the admission
   * webhook's, first problem only), then the {@code fromJob} lookup.
   */
  static Validation of(
      FineTuneJob ftj,
      Function<String, Optional<FineTuneJob>> jobs,
      Instant now,
      Duration sourceGrace) {
    return of(ftj, jobs, now, sourceGrace, ImagePolicy.ANY, UriSchemes.TRAINER);
  }

  /**
   * As above, with the operator's image allowlist for spec.image and the URI schemes the operator
   * lets trainer pods read (its trainer-allowed-schemes, {@link UriSchemes#orTrainer}): a dataset
   * the pod would refuse is refused here, before a pod starts.
   */
  static Validation of(
      FineTuneJob ftj,
      Function<String, Optional<FineTuneJob>> jobs,
      Instant now,
      Duration sourceGrace,
      ImagePolicy images,
      List<String> schemes) {
    Optional<Invalid> invalid = objectProblem(ftj, images, schemes);
    if (invalid.isPresent()) {
      return invalid.get();
    }
    return FromJobLookup.resolve(ftj, jobs, now, sourceGrace);
  }

  /**
   * The contract's first problem with the object alone (what the webhook denies), with the URI
   * schemes trainer pods may read, then the operator's image allowlist.
   */
  static Optional<Invalid> objectProblem(
      FineTuneJob ftj, ImagePolicy images, List<String> schemes) {
    return SpecValidator.firstProblem(ftj, Placement.CLUSTER, schemes)
        .map(v -> new Invalid(v.field(), v.problem()))
        .or(() -> images.check(ftj));
  }
}
