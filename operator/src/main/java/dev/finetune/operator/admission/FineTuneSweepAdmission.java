package dev.finetune.operator.admission;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.Violation;
import dev.finetune.contract.sweep.SweepValidator;
import dev.finetune.operator.validate.ImagePolicy;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
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
    CreateReview<FineTuneSweep> review =
        CreateReview.of(request, serialization, FineTuneJob.GROUP, KIND, FineTuneSweep.class);
    if (review.response() != null) {
      return review.response();
    }
    FineTuneSweep sweep = review.object();
    Optional<String> problem =
        SweepValidator.firstProblem(sweep, Placement.CLUSTER, schemes)
            .map(Violation::text)
            .or(
                () ->
                    images
                        .check(template(sweep))
                        .map(i -> i.text().replaceFirst("^spec\\.", "spec.template.")));
    return problem
        .map(p -> CreateReview.deny(request, 422, "Invalid", p))
        .orElseGet(() -> CreateReview.allow(request));
  }

  private static FineTuneJob template(FineTuneSweep sweep) {
    FineTuneJob job = new FineTuneJob();
    job.setMetadata(sweep.getMetadata());
    job.setSpec(sweep.getSpec().template);
    return job;
  }
}
