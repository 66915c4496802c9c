package dev.finetune.operator.admission;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.validate.ImagePolicy;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
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
    GroupVersionKind kind = request.getKind();
    if (kind == null || !GROUP.equals(kind.getGroup()) || !KIND.equals(kind.getKind())) {
      return deny(
          request,
          400,
          "BadRequest",
          "this webhook validates "
              + GROUP
              + " "
              + KIND
              + " only, not "
              + describe(kind)
              + "; check the rules of the"
              + " ValidatingWebhookConfiguration finetune-operator");
    }
    if (!"CREATE".equals(request.getOperation()) || request.getObject() == null) {
      return allow(request);
    }
    FineTuneJob ftj;
    try {
      ftj = serialization.convertValue(request.getObject(), FineTuneJob.class);
    } catch (IllegalArgumentException e) {
      return deny(
          request, 400, "BadRequest", "request.object is not a " + KIND + ": " + e.getMessage());
    }
    if (ftj.getMetadata() != null
        && ftj.getMetadata().getName() == null
        && request.getName() != null
        && !request.getName().isEmpty()) {
      ftj.getMetadata().setName(request.getName());
    }
    Optional<Validation.Invalid> invalid = Validation.objectProblem(ftj, images, schemes);
    return invalid
        .map(i -> deny(request, 422, "Invalid", i.text()))
        .orElseGet(() -> allow(request));
  }

  private static String describe(GroupVersionKind kind) {
    if (kind == null) {
      return "a request without kind";
    }
    String group =
        kind.getGroup() == null || kind.getGroup().isEmpty() ? "" : kind.getGroup() + "/";
    return group + kind.getVersion() + " " + kind.getKind();
  }

  private static AdmissionResponse allow(AdmissionRequest request) {
    return new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true).build();
  }

  private static AdmissionResponse deny(
      AdmissionRequest request, int code, String reason, String message) {
    return new AdmissionResponseBuilder()
        .withUid(request.getUid())
        .withAllowed(false)
        .withStatus(
            new StatusBuilder().withCode(code).withReason(reason).withMessage(message).build())
        .build();
  }
}
