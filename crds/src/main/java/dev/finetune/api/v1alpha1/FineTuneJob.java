package dev.finetune.api.v1alpha1;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One fine-tuning experiment: a source model, a target dataset and a recipe.
 *
 * <p>{@code kubectl get ftj} shows the printer columns in the order they are declared here
 * (crds/src/test/.../GenerateCrd keeps it; fabric8's generator alone sorts them by jsonPath).
 */
@Group(FineTuneJob.GROUP)
@Version(FineTuneJob.VERSION)
@Kind("FineTuneJob")
@Plural("finetunejobs")
@Singular("finetunejob")
@ShortNames("ftj")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = Type.STRING,
    getDescription = "Pending, Running, Suspended, Succeeded or Failed")
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = Type.STRING,
    getDescription =
        "Why the job is where it is (the Ready condition's reason):"
            + " Queued while its queue holds it, PodPending, PodRunning, Restarting, Succeeded...")
@AdditionalPrinterColumn(
    name = "Epoch",
    jsonPath = ".status.progress.epoch",
    type = Type.INTEGER,
    getDescription = "Completed epochs of the fine-tune run")
@AdditionalPrinterColumn(
    name = "Progress",
    jsonPath = ".status.progress.percentage",
    type = Type.INTEGER,
    getDescription = "Percent of the fine-tune run's steps done (100 once it" + " succeeded)")
@AdditionalPrinterColumn(
    name = "Test-Acc",
    jsonPath = ".status.metrics.testAccuracy",
    type = Type.STRING,
    getDescription = "Test accuracy of the fine-tune run")
@AdditionalPrinterColumn(
    name = "Baseline-Acc",
    jsonPath = ".status.baseline.testAccuracy",
    type = Type.STRING,
    getDescription = "Test accuracy of the from-scratch baseline")
@AdditionalPrinterColumn(
    name = "Restarts",
    jsonPath = ".status.restarts",
    type = Type.INTEGER,
    getDescription = "Retryable failures so far (counted against spec.backoffLimit)")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class FineTuneJob extends CustomResource<FineTuneJobSpec, FineTuneJobStatus>
    implements Namespaced {
  public static final String GROUP = "finetune.dev";
  public static final String VERSION = "v1alpha1";

  /** kubectl explain finetunejob: the kind's description (GenerateCrd puts it in the schema). */
  public static final String DESCRIPTION =
      "A FineTuneJob fine-tunes an image classification"
          + " model (ResNet) from a source model on a target dataset, optionally trains the same"
          + " network from scratch as a baseline, and reports progress, accuracy and the final"
          + " model in its status. The operator runs it as trainer Jobs, one per attempt, that"
          + " checkpoint to object storage and resume after failures.";

  public static final String SPEC_DESCRIPTION =
      "What to train: source model, dataset,"
          + " transforms, recipe, baseline, checkpoints and the trainer pod's resources and"
          + " scheduling. Immutable once created, except spec.suspend.";
  public static final String STATUS_DESCRIPTION =
      "What the operator observed: phase and"
          + " conditions (the lifecycle Running, Suspended, Succeeded, Failed and the kstatus"
          + " Ready, Reconciling, Stalled), progress and metrics (from the trainer's /metrics while"
          + " it runs, its final result once it succeeded), attempts, restarts, preemptions,"
          + " checkpoints and lineage from object storage.";
}
