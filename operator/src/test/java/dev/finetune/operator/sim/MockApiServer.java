package dev.finetune.operator.sim;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * fabric8's Kubernetes mock API server in CRUD mode, on its own loopback port, for drills that run
 * the operator as a separate process (so it can be SIGKILLed and restarted while the "cluster"
 * keeps its state). The committed CRD is applied first, so FineTuneJob has its status subresource.
 */
public final class MockApiServer implements AutoCloseable {
  /** The committed CRD; modules are siblings, so this works from operator/ and platform-tests/. */
  static final Path CRD = Path.of("../crds/finetunejobs.finetune.dev-v1.yml");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private MockApiServer(InetAddress host) {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(host, 0);
    client = server.createClient();
    try (InputStream in = Files.newInputStream(CRD)) {
      var crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static MockApiServer start() {
    return new MockApiServer(InetAddress.getLoopbackAddress());
  }

  /** Listens on {@code host} instead of loopback (containers reach it on a bridge address). */
  public static MockApiServer start(InetAddress host) {
    return new MockApiServer(host);
  }

  /** The API server URL an operator process is pointed at. */
  public String url() {
    return "http://" + server.getHostName() + ":" + server.getPort();
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
