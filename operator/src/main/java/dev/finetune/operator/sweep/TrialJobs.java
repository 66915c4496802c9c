package dev.finetune.operator.sweep;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.sweep.TrialSpecs;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The FineTuneJob of a trial or of the baseline, as the sweep creates it: the spec from the
 * contract's {@link TrialSpecs}, the labels {@code finetune.dev/sweep} and {@code
 * finetune.dev/sweep-role} (trial or baseline), and a controller ownerReference to the sweep, so
 * deleting the sweep deletes its trials through the garbage collector.
 */
final class TrialJobs {
  static final String SWEEP_LABEL = "finetune.dev/sweep";
  static final String ROLE_LABEL = "finetune.dev/sweep-role";

  private TrialJobs() {}

  static FineTuneJob of(FineTuneSweep sweep, Trial trial) {
    boolean baseline = trial.assignment() == null;
    FineTuneJob job = new FineTuneJob();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(SWEEP_LABEL, sweep.getMetadata().getName());
    labels.put(ROLE_LABEL, baseline ? "baseline" : "trial");
    job.setMetadata(
        new ObjectMetaBuilder()
            .withName(trial.name())
            .withNamespace(sweep.getMetadata().getNamespace())
            .withLabels(labels)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(sweep.getApiVersion())
                    .withKind(sweep.getKind())
                    .withName(sweep.getMetadata().getName())
                    .withUid(sweep.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .build());
    job.setSpec(
        baseline
            ? TrialSpecs.baseline(sweep.getSpec(), trial.name())
            : TrialSpecs.trial(sweep.getSpec(), trial.assignment(), trial.name()));
    return job;
  }
}
