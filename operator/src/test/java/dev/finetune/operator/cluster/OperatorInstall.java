package dev.finetune.operator.cluster;

import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Installs what {@code deploy/} ships into a {@link RealCluster}, and runs the packaged operator
 * under the identity the install gives it. The manifests come from {@code kubectl kustomize} of a
 * real overlay or component (the kubectl built with the control plane), applied with server-side
 * apply as cluster-admin, minus the operator's Deployment and Services: the operator runs as a
 * local process ({@link OperatorProcess}) authenticated with a TokenRequest token of its
 * ServiceAccount, the token its pod would mount. So every request the shipped RBAC does not allow
 * is refused by the API server, as in a cluster.
 */
public final class OperatorInstall {
  public static final String NAMESPACE = "finetune-system";
  public static final String SERVICE_ACCOUNT = "finetune-operator";
  public static final String CRD = "finetunejobs.finetune.dev";
  public static final String SWEEP_CRD = "finetunesweeps.finetune.dev";

  /** Kinds a local operator process replaces (it is not run from its image here). */
  static final Set<String> RUN_LOCALLY = Set.of("Deployment", "Service");

  private OperatorInstall() {}

  /**
   * {@code kubectl kustomize DIR} (relative to the repository root, or absolute: a test's own
   * overlay of the shipped base and components), parsed.
   */
  public static List<HasMetadata> render(RealCluster cluster, String kustomization) {
    String yaml =
        cluster
            .kubectl(
                "kustomize",
                "--load-restrictor=LoadRestrictionsNone",
                RealCluster.ROOT.resolve(kustomization).toString())
            .ok()
            .stdout();
    return cluster
        .admin()
        .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
        .items();
  }

  /**
   * Server-side applies the rendered manifests of {@code kustomization}, except what {@link
   * #RUN_LOCALLY} replaces, and waits until the CRDs are established.
   */
  public static List<HasMetadata> install(RealCluster cluster, String kustomization) {
    List<HasMetadata> items =
        render(cluster, kustomization).stream()
            .filter(i -> !RUN_LOCALLY.contains(i.getKind()))
            .toList();
    apply(cluster.admin(), items);
    awaitCrd(cluster.admin());
    return items;
  }

  /** The shared cluster with deploy/base installed and the namespace {@code namespace}. */
  public static RealCluster withBase(String namespace) {
    RealCluster cluster = RealCluster.shared();
    install(cluster, "deploy/base");
    namespace(cluster.admin(), namespace);
    return cluster;
  }

  /** Server-side apply as the test's field manager, taking conflicting fields. */
  public static void apply(KubernetesClient admin, List<HasMetadata> items) {
    for (HasMetadata item : items) {
      admin.resource(item).fieldManager("finetune-tests").forceConflicts().serverSideApply();
    }
  }

  static void awaitCrd(KubernetesClient admin) {
    for (String name : List.of(CRD, SWEEP_CRD)) {
      awaitCrd(admin, name);
    }
  }

  static void awaitCrd(KubernetesClient admin, String name) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      var crd = admin.apiextensions().v1().customResourceDefinitions().withName(name).get();
      if (crd != null
          && crd.getStatus() != null
          && crd.getStatus().getConditions() != null
          && crd.getStatus().getConditions().stream()
              .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()))) {
        return;
      }
      sleep(200);
    }
    throw new AssertionError("CRD " + name + " not established after 30 s");
  }

  /** Creates a namespace (a tenant's: it gets only its default ServiceAccount). */
  public static void namespace(KubernetesClient admin, String name) {
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (admin.serviceAccounts().inNamespace(name).withName("default").get() == null) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no default ServiceAccount in "
                + name
                + " after 30 s: is the"
                + " serviceaccount controller running?");
      }
      sleep(100);
    }
  }

  /**
   * Starts the packaged operator as {@code system:serviceaccount:finetune-system:
   * finetune-operator}, with the settings {@code props} adds (e.g. short intervals for tests), and
   * waits until it is ready.
   */
  public static OperatorProcess startOperator(
      RealCluster cluster, Path log, String identity, Map<String, String> props)
      throws InterruptedException {
    return startOperator(cluster, NAMESPACE, log, identity, props);
  }

  /** As above, for an operator installed in {@code namespace} (its pod's namespace). */
  public static OperatorProcess startOperator(
      RealCluster cluster, String namespace, Path log, String identity, Map<String, String> props)
      throws InterruptedException {
    Map<String, String> client = new LinkedHashMap<>();
    client.put("quarkus.kubernetes-client.api-server-url", cluster.url());
    client.put("quarkus.kubernetes-client.ca-cert-file", cluster.ca().toString());
    client.put("quarkus.kubernetes-client.token", cluster.token(namespace, SERVICE_ACCOUNT));
    client.put("quarkus.kubernetes-client.namespace", namespace);
    client.put("finetune.operator.leader-election.namespace", namespace);
    OperatorProcess operator = OperatorProcess.start(client, "256m", props, log, identity);
    operator.awaitReady(Duration.ofSeconds(90));
    return operator;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
