package dev.finetune.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged operators as the same ServiceAccount (two pod names), electing a leader on a real
 * coordination.k8s.io Lease in finetune-system under the shipped leader-election Role. Only the
 * holder reconciles and creates trainer Jobs; after a SIGKILL of the holder the standby takes the
 * Lease within lease duration plus retries and creates the Jobs of FineTuneJobs that arrive later.
 * Every FineTuneJob gets exactly one Job. No node runs the pods: the Jobs are what the operators
 * decide.
 */
class ClusterLeaderElectionIT {
  static final String NS = "leader-election";
  static final Duration LEASE = Duration.ofSeconds(4);
  static final Duration RETRY = Duration.ofMillis(500);
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  @Test
  void onlyTheHolderActsAndTheStandbyTakesOverAfterASigkill(@TempDir Path tmp) throws Exception {
    RealCluster cluster = OperatorInstall.withBase(NS);
    KubernetesClient admin = cluster.admin();
    OperatorProcess a =
        OperatorInstall.startOperator(cluster, tmp.resolve("a.log"), "op-a", props());
    await("op-a holds the Lease").atMost(TIMEOUT).until(() -> "op-a".equals(holder(admin)));
    OperatorProcess b =
        OperatorInstall.startOperator(cluster, tmp.resolve("b.log"), "op-b", props());
    try {
      List<String> first = create(cluster, "first", 3);
      await("op-a creates the first Jobs")
          .atMost(TIMEOUT)
          .until(() -> first.stream().allMatch(n -> jobsOf(admin, n) == 1));
      assertEquals("op-a", holder(admin));
      assertEquals(0.0, b.reconciliationsStarted(), "the standby never reconciles");
      assertTrue(a.reconciliationsStarted() > 0);

      a.kill();
      long killedAt = System.nanoTime();
      await("op-b takes the Lease")
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> "op-b".equals(holder(admin)));
      Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
      System.out.println("DRILL cluster-leader-election takeover " + takeover.toMillis() + " ms");
      assertTrue(
          takeover.compareTo(LEASE.plus(RETRY.multipliedBy(4))) <= 0,
          "standby took over after " + takeover);

      List<String> second = create(cluster, "second", 3);
      List<String> all = new ArrayList<>(first);
      all.addAll(second);
      await("op-b creates the later Jobs")
          .atMost(TIMEOUT)
          .until(() -> second.stream().allMatch(n -> jobsOf(admin, n) == 1));
      assertTrue(b.reconciliationsStarted() > 0, "the new leader reconciles");
      Thread.sleep(2000); // a duplicate would appear within a reconcile or two
      for (String name : all) {
        assertEquals(1, jobsOf(admin, name), name + ": exactly one trainer Job");
      }
    } finally {
      b.close();
      a.close();
    }
  }

  static Map<String, String> props() {
    return Map.of(
        "finetune.operator.leader-election.lease-duration", LEASE.toMillis() + "ms",
        "finetune.operator.leader-election.renew-deadline", "3s",
        "finetune.operator.leader-election.retry-period", RETRY.toMillis() + "ms");
  }

  static String holder(KubernetesClient admin) {
    Lease lease =
        admin.leases().inNamespace(OperatorInstall.NAMESPACE).withName("finetune-operator").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static int jobsOf(KubernetesClient admin, String ftj) {
    return admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withLabel(Labels.JOB, ftj)
        .list()
        .getItems()
        .size();
  }

  static List<String> create(RealCluster cluster, String prefix, int n) {
    return IntStream.rangeClosed(1, n)
        .mapToObj(
            i -> {
              String name = prefix + "-" + i;
              cluster
                  .kubectlWithInput(
                      """
          apiVersion: finetune.dev/v1alpha1
          kind: FineTuneJob
          metadata: {name: %s, namespace: %s}
          spec:
            model: {architecture: resnet18}
            dataset:
              train: "https://data.example.com/train.zip"
              test: "https://data.example.com/test.zip"
          """
                          .formatted(name, NS),
                      "apply",
                      "-f",
                      "-")
                  .ok();
              return name;
            })
        .toList();
  }
}
