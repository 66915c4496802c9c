package dev.finetune.operator.cluster;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.sim.OperatorProcess;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Everything a FineTuneJob needs to run on the {@link RealCluster}: deploy/base installed, a tenant
 * namespace (only its default ServiceAccount) with an S3 Secret for a real S3 API (s3proxy), the
 * {@link NodeAgent}, a tiny 3-class ImageFolder it can read (file://, as the trainer runs on this
 * machine), and the packaged operator as its ServiceAccount with test intervals.
 */
final class TrainingRig implements AutoCloseable {
  static final String SECRET = "s3-creds";

  final RealCluster cluster;
  final KubernetesClient admin;
  final String namespace;
  final Path dir;
  final Path data;
  final S3Server s3;
  final NodeAgent agent;
  final OperatorProcess operator;

  private TrainingRig(String namespace, String identity) throws Exception {
    this.namespace = namespace;
    cluster = OperatorInstall.withBase(namespace);
    admin = cluster.admin();
    dir = Files.createTempDirectory("cluster-rig-" + namespace + "-");
    data = SyntheticImageFolder.write(dir.resolve("data"), 12, 4, 32, 7);
    s3 = S3Server.start("finetune");
    admin
        .secrets()
        .inNamespace(namespace)
        .resource(Fixtures.s3Secret(SECRET, namespace, s3))
        .serverSideApply();
    agent = new NodeAgent(admin, Files.createDirectories(dir.resolve("nodes")));
    operator =
        OperatorInstall.startOperator(
            cluster,
            dir.resolve("operator.log"),
            identity,
            Map.of(
                "finetune.operator.backoff-base", "200ms",
                "finetune.operator.backoff-max", "1s",
                "finetune.operator.storage-interval", "500ms",
                "finetune.operator.storage-timeout", "2s",
                "finetune.operator.metrics-interval", "2s"));
  }

  static TrainingRig start(String namespace, String identity) throws Exception {
    return new TrainingRig(namespace, identity);
  }

  /** A small FineTuneJob (32 px, batch 8, 2 epochs, 1 CPU) as YAML, for the real kubectl. */
  String yaml(String name, Path dataset, Consumer<FineTuneJobSpec> edit) {
    return yaml(admin, name, namespace, dataset, s3, edit);
  }

  /** The same job for any namespace and S3 server. */
  static String yaml(
      KubernetesClient client,
      String name,
      String namespace,
      Path dataset,
      S3Server s3,
      Consumer<FineTuneJobSpec> edit) {
    FineTuneJob f = Fixtures.trainerRun(name, namespace, dataset, s3.uri("runs/" + name), SECRET);
    edit.accept(f.getSpec());
    return client.getKubernetesSerialization().asYaml(f);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      operator.close();
    } finally {
      try {
        agent.close();
      } finally {
        s3.close();
      }
    }
  }
}
