package dev.finetune.operator.admission;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.Violation;
import dev.finetune.contract.sweep.SweepValidator;
import dev.finetune.operator.validate.ImagePolicy;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Optional;

/**
 * Decides one AdmissionRequest for a FineTuneSweep with the contract's {@link SweepValidator}
 * (cluster placement: every trial's and the baseline's spec also through the FineTuneJob
 * validator), then the operator's image allowlist on the template, so a sweep whose trials the
 * FineTuneJob webhook or reconciler would refuse is refused here with the same one line. Only
 * CREATE is judged: the CRD's CEL rule keeps the whole spec immutable.
 */
public final class FineTuneSweepAdmission {
  static final String KIND = "FineTuneSweep";

  private FineTuneSweepAdmission() {}

  public static AdmissionResponse review(
      AdmissionRequest request,
      KubernetesSerialization serialization,
      ImagePolicy images,
      List<String> schemes) {
    GroupVersionKind kind = request.getKind();
    if (kind == null
        || !FineTuneJob.GROUP.equals(kind.getGroup())
        || !KIND.equals(kind.getKind())) {
      return deny(
          request,
          400,
          "BadRequest",
          "this endpoint validates "
              + FineTuneJob.GROUP
              + " "
              + KIND
              + " only, not "
              + (kind == null
                  ? "a request without kind"
                  : kind.getGroup() + "/" + kind.getVersion() + " " + kind.getKind())
              + "; check the rules of the ValidatingWebhookConfiguration finetune-operator");
    }
    if (!"CREATE".equals(request.getOperation()) || request.getObject() == null) {
      return allow(request);
    }
    FineTuneSweep sweep;
    try {
      sweep = serialization.convertValue(request.getObject(), FineTuneSweep.class);
    } catch (IllegalArgumentException e) {
      return deny(
          request, 400, "BadRequest", "request.object is not a " + KIND + ": " + e.getMessage());
    }
    if (sweep.getMetadata() != null
        && sweep.getMetadata().getName() == null
        && request.getName() != null
        && !request.getName().isEmpty()) {
      sweep.getMetadata().setName(request.getName());
    }
    Optional<String> problem =
        SweepValidator.firstProblem(sweep, Placement.CLUSTER, schemes)
            .map(Violation::text)
            .or(
                () ->
                    images
                        .check(template(sweep))
                        .map(i -> i.text().replaceFirst("^spec\\.", "spec.template.")));
    return problem.map(p -> deny(request, 422, "Invalid", p)).orElseGet(() -> allow(request));
  }

  private static FineTuneJob template(FineTuneSweep sweep) {
    FineTuneJob job = new FineTuneJob();
    job.setMetadata(sweep.getMetadata());
    job.setSpec(sweep.getSpec().template);
    return job;
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
