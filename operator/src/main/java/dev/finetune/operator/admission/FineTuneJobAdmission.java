package dev.finetune.operator.admission;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.validate.ImagePolicy;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Optional;

/**
 * Decides one AdmissionRequest for a FineTuneJob with the contract's {@link
 * dev.finetune.contract.SpecValidator} (cluster placement), the checks the reconciler runs first,
 * so the denial message is the {@code Failed} condition's message the job would otherwise get
 * ({@code <field>: <what is wrong and what is allowed>}).
 *
 * <p>Only CREATE is judged. The CEL rule on spec makes every field but {@code suspend} immutable,
 * so an UPDATE cannot introduce a new problem, and denying updates of an object created before the
 * webhook existed would block, for example, the removal of its finalizers. A {@code fromJob} that
 * does not exist yet is allowed: GitOps tools apply a source and its users in one sync, so the
 * reconciler waits for it (finetune.operator.source-grace) before calling the spec invalid.
 */
public final class FineTuneJobAdmission {
  static final String GROUP = FineTuneJob.GROUP;
  static final String KIND = "FineTuneJob";

  private FineTuneJobAdmission() {}

  /** The review, with the operator's image allowlist and the URI schemes trainer pods may read. */
  public static AdmissionResponse review(
      AdmissionRequest request,
      KubernetesSerialization serialization,
      ImagePolicy images,
      List<String> schemes) {
    CreateReview<FineTuneJob> review =
        CreateReview.of(request, serialization, GROUP, KIND, FineTuneJob.class);
    if (review.response() != null) {
      return review.response();
    }
    FineTuneJob ftj = review.object();
    Optional<Validation.Invalid> invalid = Validation.objectProblem(ftj, images, schemes);
    return invalid
        .map(i -> CreateReview.deny(request, 422, "Invalid", i.text()))
        .orElseGet(() -> CreateReview.allow(request));
  }
}
