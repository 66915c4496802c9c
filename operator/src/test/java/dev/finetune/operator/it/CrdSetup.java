package dev.finetune.operator.it;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Applies the committed CRDs to the mock API server before the operator starts, so the mock gives
 * FineTuneJob and FineTuneSweep a status subresource (status writes don't touch spec and vice
 * versa).
 */
public class CrdSetup implements Consumer<KubernetesServer> {
  static final Path CRD = Path.of("../crds/finetunejobs.finetune.dev-v1.yml");
  static final Path SWEEP_CRD = Path.of("../crds/finetunesweeps.finetune.dev-v1.yml");

  @Override
  public void accept(KubernetesServer server) {
    for (Path file : new Path[] {CRD, SWEEP_CRD}) {
      try (InputStream in = Files.newInputStream(file)) {
        var crd =
            server
                .getClient()
                .getKubernetesSerialization()
                .unmarshal(in, CustomResourceDefinition.class);
        server.getClient().apiextensions().v1().customResourceDefinitions().resource(crd).create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
