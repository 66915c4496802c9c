package dev.finetune.api.v1alpha1;

import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
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
 * A hyperparameter search whose trials are FineTuneJobs. {@code kubectl get fts} shows the printer
 * columns in the order declared here (GenerateCrd keeps it).
 */
@Group(FineTuneJob.GROUP)
@Version(FineTuneJob.VERSION)
@Kind("FineTuneSweep")
@Plural("finetunesweeps")
@Singular("finetunesweep")
@ShortNames("fts")
@AdditionalPrinterColumn(
    name = "Trials",
    jsonPath = ".status.counts.total",
    type = Type.INTEGER,
    getDescription = "Trials created so far")
@AdditionalPrinterColumn(
    name = "Best",
    jsonPath = ".status.bestTrial.name",
    type = Type.STRING,
    getDescription = "The best trial by the objective")
@AdditionalPrinterColumn(
    name = "Gain",
    jsonPath = ".status.bestTrial.accuracyGain",
    type = Type.NUMBER,
    getDescription = "The best trial's test accuracy minus the baseline's")
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = Type.STRING,
    getDescription = "Pending, Running, Suspended, Succeeded or Failed")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class FineTuneSweep extends CustomResource<FineTuneSweepSpec, FineTuneSweepStatus>
    implements Namespaced {
  public static final String DESCRIPTION =
      "A FineTuneSweep searches FineTuneJob spec fields:"
          + " it runs trials, each a FineTuneJob it owns, named from the sweep and the trial's"
          + " assignment, judges them by an objective measured on a validation split, and reports"
          + " the best against one from-scratch baseline.";
  public static final String SPEC_DESCRIPTION =
      "The search: a FineTuneJob template, the"
          + " parameters and their spaces, the algorithm, the objective and the trial budget."
          + " Immutable once created.";
  public static final String STATUS_DESCRIPTION =
      "What the operator observed: phase and"
          + " conditions (kstatus Ready, Reconciling, Stalled), trial counts, the best trial, the"
          + " baseline and a bounded trials table.";
}
