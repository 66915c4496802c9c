package dev.finetune.trainer.cli;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.trainer.spec.JobLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code finetune validate JOB.yaml}: checks a manifest without running it. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Checks a FineTuneJob manifest (schema bounds, enums, unknown fields,"
        + " semantic rules, absolute file:// URIs, a writable file:// checkpoint location) and"
        + " exits 0 if it is valid, else the code train would exit with.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB.yaml", description = "FineTuneJob manifest.")
  Path manifest;

  @Option(names = "--cluster", description = "Also apply the rules of a cluster (the admission"
      + " webhook's): s3:// checkpoints, datasets from file://, https:// or s3://.")
  boolean cluster;

  @Override
  public Integer call() {
    FineTuneJob job = JobLoader.load(manifest, cluster ? Placement.CLUSTER : Placement.LOCAL);
    Preflight.spec(job.getSpec()); // what train checks before it starts, so the two agree
    System.out.println(manifest + ": valid FineTuneJob '" + job.getMetadata().getName() + "'");
    return 0;
  }
}
