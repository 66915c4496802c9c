package dev.finetune.operator.drill;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MockApiServer;
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
 * Two packaged operators (two JVMs, two pod names) against one mock API server in CRUD mode, which
 * stores the coordination.k8s.io Lease and rejects stale updates (409), as the elector needs.
 * Asserted: both are ready, but only the Lease holder reconciles and creates Jobs; after a SIGKILL
 * of the leader the standby takes the Lease within lease duration + one retry period and runs the
 * rest; every FineTuneJob got exactly one trainer Job over the whole drill.
 */
class LeaderElectionDrillIT {
  static final String NS = "default";
  static final Duration LEASE = Duration.ofSeconds(4);
  static final Duration RETRY = Duration.ofMillis(500);
  static final Duration TIMEOUT = Duration.ofMinutes(3);

  static void out(String key, Object value) {
    System.out.println("DRILL leader-election " + key + " " + value);
  }

  @Test
  void onlyTheLeaderActsAndTheStandbyTakesOver(@TempDir Path tmp) throws Exception {
    try (MockApiServer api = MockApiServer.start();
        InstantKubelet kubelet = new InstantKubelet(api.client(), NS, 1500, j -> 0)) {
      KubernetesClient client = api.client();
      OperatorProcess a = OperatorProcess.start(api, "256m", props(), tmp.resolve("a.log"), "op-a");
      a.awaitReady(Duration.ofSeconds(120));
      await("op-a holds the Lease").atMost(TIMEOUT).until(() -> "op-a".equals(holder(client)));
      OperatorProcess b = OperatorProcess.start(api, "256m", props(), tmp.resolve("b.log"), "op-b");
      try {
        b.awaitReady(Duration.ofSeconds(120));
        out("standby_ready", "op-b /q/health/ready UP while op-a leads");

        List<String> first = create(client, "le-first", 4);
        awaitSucceeded(client, first);
        assertEquals("op-a", holder(client));
        double byB = b.reconciliationsStarted();
        out("reconciliations", "op-a " + a.reconciliationsStarted() + ", op-b " + byB);
        assertEquals(0.0, byB, "the standby never reconciles");
        assertTrue(a.reconciliationsStarted() > 0);

        List<String> second = create(client, "le-second", 4);
        // Kill while the second batch is in flight: Jobs may exist, pods run, statuses lag.
        await("op-a created a Job of the second batch")
            .atMost(TIMEOUT)
            .until(() -> second.stream().anyMatch(n -> !kubelet.jobsOf(n).isEmpty()));
        long killedAt = System.nanoTime();
        a.kill();
        await("op-b takes the Lease")
            .atMost(TIMEOUT)
            .pollInterval(Duration.ofMillis(50))
            .until(() -> "op-b".equals(holder(client)));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        out(
            "takeover",
            takeover.toMillis()
                + " ms (lease "
                + LEASE.toMillis()
                + " ms, retry "
                + RETRY.toMillis()
                + " ms)");
        assertTrue(
            takeover.compareTo(LEASE.plus(RETRY).plus(RETRY)) <= 0,
            "standby took over after " + takeover);

        List<String> third = create(client, "le-third", 4);
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        all.addAll(third);
        awaitSucceeded(client, all);
        assertTrue(b.reconciliationsStarted() > 0, "the new leader reconciles");
        for (String name : all) {
          assertEquals(1, kubelet.jobsOf(name).size(), name + " got " + kubelet.jobsOf(name));
        }
        out("jobs", kubelet.jobsCreated() + " Jobs for " + all.size() + " FineTuneJobs");
        assertEquals(all.size(), kubelet.jobsCreated(), "no Job created twice");
      } finally {
        b.close();
        a.close();
      }
    }
  }

  static Map<String, String> props() {
    return Map.of(
        "finetune.operator.trainer-image",
        "trainer:drill",
        "finetune.operator.leader-election.lease-duration",
        LEASE.toMillis() + "ms",
        "finetune.operator.leader-election.renew-deadline",
        "3s",
        "finetune.operator.leader-election.retry-period",
        RETRY.toMillis() + "ms");
  }

  static String holder(KubernetesClient client) {
    Lease lease = client.leases().inNamespace(NS).withName("finetune-operator").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static List<String> create(KubernetesClient client, String prefix, int n) {
    return IntStream.rangeClosed(1, n)
        .mapToObj(
            i -> {
              String name = prefix + "-" + i;
              client.resource(Fixtures.minimalJob(name, NS)).create();
              return name;
            })
        .toList();
  }

  static void awaitSucceeded(KubernetesClient client, List<String> names) {
    await("jobs succeed: " + names)
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                names.stream()
                    .allMatch(
                        n -> {
                          FineTuneJob f =
                              client.resources(FineTuneJob.class).inNamespace(NS).withName(n).get();
                          return f != null
                              && f.getStatus() != null
                              && "Succeeded".equals(f.getStatus().phase);
                        }));
  }
}
