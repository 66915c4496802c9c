package dev.finetune.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.sim.OperatorProcess;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespace-scoped install on the real API server: deploy/overlays/namespace-scoped copied with
 * its namespace changed to team-b, as its comment tells a team to do. The operator runs as team-b's
 * ServiceAccount with only the Roles the overlay grants there (no ClusterRole), watches its own
 * namespace (JOSDK_WATCH_CURRENT), runs a job there to Succeeded and leaves a job in another
 * namespace alone. A request outside the Roles would be refused by the API server and fail the job.
 */
class ClusterNamespaceScopedIT {
  static final String NS = "team-b";
  static final String OTHER = "team-c";

  @Test
  void aTeamsOwnOperatorRunsItsJobsWithItsRolesOnly(@TempDir Path tmp) throws Exception {
    RealCluster cluster = RealCluster.shared();
    KubernetesClient admin = cluster.admin();
    // What the overlay's comment tells a team to do: copy the folder, change the namespace.
    Path shipped = RealCluster.ROOT.resolve("deploy/overlays/namespace-scoped");
    Path overlay = Files.createDirectories(tmp.resolve("overlay"));
    String text = Files.readString(shipped.resolve("kustomization.yaml"));
    assertTrue(text.contains("namespace: team-a"), text);
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        text.replace("namespace: team-a", "namespace: " + NS)
            .replace(
                "../../base",
                overlay.relativize(RealCluster.ROOT.resolve("deploy/base")).toString())
            .replace(
                "../../components/",
                overlay.relativize(RealCluster.ROOT.resolve("deploy/components")) + "/"));
    OperatorInstall.namespace(admin, NS);
    List<HasMetadata> installed = OperatorInstall.install(cluster, overlay.toString());
    assertTrue(
        installed.stream()
            .noneMatch(
                i ->
                    "ClusterRoleBinding".equals(i.getKind())
                        && i.getMetadata().getName().equals("finetune-operator")),
        "no cluster-wide grant");
    OperatorInstall.namespace(admin, OTHER);

    Path data = SyntheticImageFolder.write(tmp.resolve("data"), 12, 4, 32, 7);
    try (S3Server s3 = S3Server.start("finetune");
        NodeAgent agent = new NodeAgent(admin, Files.createDirectories(tmp.resolve("nodes")))) {
      for (String ns : List.of(NS, OTHER)) {
        admin
            .secrets()
            .inNamespace(ns)
            .resource(Fixtures.s3Secret(TrainingRig.SECRET, ns, s3))
            .serverSideApply();
      }
      OperatorProcess op =
          OperatorInstall.startOperator(
              cluster,
              NS,
              tmp.resolve("op.log"),
              "finetune-operator-0",
              Map.of(
                  "quarkus.operator-sdk.controllers.finetunejob.namespaces", "JOSDK_WATCH_CURRENT",
                  "quarkus.operator-sdk.controllers.finetunesweep.namespaces",
                      "JOSDK_WATCH_CURRENT",
                  "finetune.operator.storage-interval", "500ms"));
      try {
        String job = TrainingRig.yaml(admin, "team-job", NS, data, s3, s -> {});
        cluster.kubectlWithInput(job, "apply", "-f", "-").ok();
        cluster
            .kubectlWithInput(
                TrainingRig.yaml(admin, "elsewhere", OTHER, data, s3, s -> {}), "apply", "-f", "-")
            .ok();
        await()
            .atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  agent.check();
                  FineTuneJob f =
                      admin.resources(FineTuneJob.class).inNamespace(NS).withName("team-job").get();
                  return f.getStatus() != null && "Succeeded".equals(f.getStatus().phase);
                });
        FineTuneJob elsewhere =
            admin.resources(FineTuneJob.class).inNamespace(OTHER).withName("elsewhere").get();
        assertNull(elsewhere.getStatus(), "a job outside the operator's namespace is ignored");
        assertEquals(0, admin.batch().v1().jobs().inNamespace(OTHER).list().getItems().size());
      } finally {
        op.close();
      }
    }
  }
}
