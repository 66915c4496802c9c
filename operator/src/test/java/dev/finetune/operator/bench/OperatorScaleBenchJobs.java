package dev.finetune.operator.bench;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.CheckpointSpec;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** The FineTuneJob the operator benchmarks apply, N times. */
final class OperatorScaleBenchJobs {
  private OperatorScaleBenchJobs() {}

  static FineTuneJob ftj(String name, String namespace) {
    FineTuneJob f = new FineTuneJob();
    f.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    FineTuneJobSpec spec = new FineTuneJobSpec();
    spec.dataset.train = "s3://data/train.tar.gz";
    spec.dataset.test = "s3://data/test.tar.gz";
    spec.checkpoints = new CheckpointSpec();
    spec.checkpoints.uri = "s3://ckpt/" + name;
    spec.checkpoints.credentialsSecret = "s3-creds";
    spec.resources.cpu = "2";
    spec.resources.memory = "4Gi";
    f.setSpec(spec);
    return f;
  }
}
