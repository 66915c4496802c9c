package dev.finetune.trainer.cli;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import dev.finetune.trainer.data.fetch.UriPolicy;
import dev.finetune.trainer.spec.JobLoader;
import java.nio.file.Path;
import java.util.Optional;
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
      + " webhook's and the operator's): s3:// checkpoints, datasets and source model over the"
      + " schemes of --allowed-schemes.")
  boolean cluster;

  @Option(names = "--allowed-schemes", paramLabel = "LIST", defaultValue = "http,https,s3,hf",
      description = "With --cluster: the URI schemes the cluster's operator lets trainer pods"
          + " read (its finetune.operator.trainer-allowed-schemes). Default: ${DEFAULT-VALUE},"
          + " as deploy/base and the Helm chart set it.")
  String allowedSchemes;

  @Override
  public Integer call() {
    UriPolicy.parse(allowedSchemes, null); // the trainer's check: an unknown scheme is exit 2
    FineTuneJob job = JobLoader.load(manifest, cluster ? Placement.CLUSTER : Placement.LOCAL,
        UriSchemes.orTrainer(Optional.of(allowedSchemes)));
    Preflight.spec(job.getSpec()); // what train checks before it starts, so the two agree
    System.out.println(manifest + ": valid FineTuneJob '" + job.getMetadata().getName() + "'");
    return 0;
  }
}
