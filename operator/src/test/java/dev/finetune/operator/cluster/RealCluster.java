package dev.finetune.operator.cluster;

import dev.finetune.testsupport.Command;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real control plane (etcd, kube-apiserver 1.37.2 with RBAC and admission webhooks,
 * kube-controller-manager, kube-scheduler), started once per test JVM by {@code bin/cluster up} in
 * a temporary folder and stopped ({@code bin/cluster down}) when the JVM exits. Each test class
 * works in namespaces of its own. A cluster that cannot start fails the test that asked for it,
 * with the reason {@code bin/cluster} printed; it is never skipped.
 */
public final class RealCluster {
  /** The repository root: test modules are its direct children. */
  public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static RealCluster shared;

  private final Path dir;
  private final Path bin;
  private final Path kubeconfig;
  private final String url;
  private final KubernetesClient admin;
  private boolean kueue;

  private RealCluster(Path dir, Path bin, Path kubeconfig) throws IOException {
    this.dir = dir;
    this.bin = bin;
    this.kubeconfig = kubeconfig;
    this.url = "https://127.0.0.1:" + Files.readString(dir.resolve("apiserver.port")).trim();
    this.admin =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(Config.empty())
                    .withMasterUrl(url)
                    .withCaCertFile(ca().toString())
                    .withClientCertFile(dir.resolve("pki/admin.crt").toString())
                    .withClientKeyFile(dir.resolve("pki/admin.key").toString())
                    .withRequestTimeout(30_000)
                    .build())
            .build();
  }

  /** The JVM's cluster, started on first use. */
  public static synchronized RealCluster shared() {
    if (shared == null) {
      shared = start();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::down, "cluster-down"));
    }
    return shared;
  }

  private static RealCluster start() {
    try {
      Path dir = Files.createTempDirectory("finetune-cluster-");
      Path bin =
          Path.of(
              run(List.of(ROOT.resolve("bin/cluster").toString(), "build"), 3600)
                  .trim()
                  .lines()
                  .reduce((a, b) -> b)
                  .orElseThrow());
      String out = run(List.of(ROOT.resolve("bin/cluster").toString(), "up", dir.toString()), 300);
      Path kubeconfig = Path.of(out.trim().lines().reduce((a, b) -> b).orElseThrow());
      return new RealCluster(dir, bin, kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command; its stdout, or an AssertionError with its output. */
  static String run(List<String> cmd, long timeoutSeconds) {
    return Command.run(cmd, Map.of(), null, Duration.ofSeconds(timeoutSeconds)).ok().stdout();
  }

  /** A client with cluster-admin rights (client certificate, group system:masters). */
  public KubernetesClient admin() {
    return admin;
  }

  public String url() {
    return url;
  }

  /** The cluster CA, which signed the API server's serving certificate. */
  public Path ca() {
    return dir.resolve("pki/ca.crt");
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The kubectl built with the control plane (v1.37.2). */
  public Path kubectlBinary() {
    return bin.resolve("kubectl");
  }

  /** {@code kubectl ARGS} as cluster-admin; its result, whatever the exit code. */
  public Command.Result kubectl(String... args) {
    return Kubectl.run(kubectlBinary(), kubeconfig, null, args);
  }

  /** {@code kubectl ARGS} with {@code stdin} as its standard input (e.g. {@code apply -f -}). */
  public Command.Result kubectlWithInput(String stdin, String... args) {
    return Kubectl.run(kubectlBinary(), kubeconfig, stdin, args);
  }

  /** A bound token for a ServiceAccount (TokenRequest, one hour), as a pod would mount it. */
  public String token(String namespace, String serviceAccount) {
    return admin
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(
            new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
  }

  /**
   * Starts Kueue's manager on this cluster ({@code bin/cluster kueue}: Kueue v0.17.0 built from Go
   * modules, its CRDs, the batch/job integration), once; later calls return at once.
   */
  public synchronized void kueue() {
    if (!kueue) {
      run(List.of(ROOT.resolve("bin/cluster").toString(), "kueue", dir.toString()), 600);
      kueue = true;
    }
  }

  /** The folder of the control plane's logs (etcd, kube-apiserver, ...), for failure reports. */
  public Path logs() {
    return dir.resolve("logs");
  }

  private void down() {
    admin.close();
    try {
      run(List.of(ROOT.resolve("bin/cluster").toString(), "down", dir.toString()), 120);
    } catch (RuntimeException e) {
      System.err.println("[cluster] down failed: " + e.getMessage());
    }
  }
}
