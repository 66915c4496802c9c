package dev.finetune.trainer.cli;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import dev.finetune.contract.sweep.Assignment;
import dev.finetune.contract.sweep.Objectives;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import dev.finetune.trainer.data.fetch.UriPolicy;
import dev.finetune.trainer.spec.JobLoader;
import dev.finetune.trainer.spec.SweepLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code finetune validate JOB.yaml}: checks a manifest without running it. A FineTuneSweep
 * manifest is checked with the admission webhook's rules and its planned trials are listed.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description =
        "Checks a FineTuneJob manifest (schema bounds, enums, unknown fields,"
            + " semantic rules, absolute file:// URIs, a writable file:// checkpoint location) and"
            + " exits 0 if it is valid, else the code train would exit with. A FineTuneSweep"
            + " manifest is checked as the admission webhook checks it (every trial's spec"
            + " included), and its trials are listed with their names and parameters.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "JOB.yaml",
      description = "FineTuneJob (or FineTuneSweep) manifest.")
  Path manifest;

  @Option(
      names = "--cluster",
      description =
          "Also apply the rules of a cluster (the admission"
              + " webhook's and the operator's): s3:// checkpoints, datasets and source model over the"
              + " schemes of --allowed-schemes.")
  boolean cluster;

  @Option(
      names = "--allowed-schemes",
      paramLabel = "LIST",
      defaultValue = "http,https,s3,hf",
      description =
          "With --cluster: the URI schemes the cluster's operator lets trainer pods"
              + " read (its finetune.operator.trainer-allowed-schemes). Default: ${DEFAULT-VALUE},"
              + " as deploy/base and the Helm chart set it.")
  String allowedSchemes;

  @Override
  public Integer call() {
    UriPolicy.parse(allowedSchemes, null); // the trainer's check: an unknown scheme is exit 2
    Placement placement = cluster ? Placement.CLUSTER : Placement.LOCAL;
    List<String> schemes = UriSchemes.orTrainer(Optional.of(allowedSchemes));
    if (SweepLoader.isSweep(JobLoader.text(manifest))) {
      FineTuneSweep sweep = SweepLoader.load(manifest, placement, schemes);
      String name = sweep.getMetadata().getName();
      List<Assignment> trials = SearchPoints.trials(sweep.getSpec());
      System.out.println(
          manifest
              + ": valid FineTuneSweep '"
              + name
              + "': "
              + trials.size()
              + " trials and the baseline "
              + TrialNames.baseline(name));
      for (Assignment a : trials) {
        System.out.println("  " + TrialNames.trial(name, a) + "  " + a.text());
      }
      Objectives.unmeasurable(sweep.getSpec()).ifPresent(why -> System.out.println("note: " + why));
      return 0;
    }
    FineTuneJob job = JobLoader.load(manifest, placement, schemes);
    Preflight.spec(job.getSpec()); // what train checks before it starts, so the two agree
    System.out.println(manifest + ": valid FineTuneJob '" + job.getMetadata().getName() + "'");
    if (job.getSpec().training.autoRecipe()) {
      AutoRecipe.explain().forEach(System.out::println);
    }
    return 0;
  }
}
