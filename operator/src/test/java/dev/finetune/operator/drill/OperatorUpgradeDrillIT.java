package dev.finetune.operator.drill;

import static dev.finetune.operator.drill.LeaderElectionDrillIT.awaitSucceeded;
import static dev.finetune.operator.drill.LeaderElectionDrillIT.create;
import static dev.finetune.operator.drill.LeaderElectionDrillIT.holder;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator upgrade as a Deployment rolls it (maxUnavailable 0, maxSurge 1): the new pod, with
 * changed configuration, starts and becomes ready as a standby while the old one leads; then the
 * old pod gets SIGTERM, releases the Lease, and the new one takes over. A job that was running the
 * whole time finishes with its one trainer Job (still the old image); a job created after the
 * upgrade gets the new configuration.
 */
class OperatorUpgradeDrillIT {
  static final String NS = LeaderElectionDrillIT.NS;
  static final Duration TIMEOUT = Duration.ofMinutes(3);

  @Test
  void runningJobSurvivesAnOperatorUpgradeWithChangedConfig(@TempDir Path tmp) throws Exception {
    try (MockApiServer api = MockApiServer.start();
        InstantKubelet kubelet = new InstantKubelet(api.client(), NS, 12_000, j -> 0)) {
      KubernetesClient client = api.client();
      OperatorProcess old =
          OperatorProcess.start(
              api,
              "256m",
              props("trainer:v1", "10s"),
              tmp.resolve("old.log"),
              "finetune-operator-old");
      old.awaitReady(Duration.ofSeconds(120));
      OperatorProcess next = null;
      try {
        List<String> running = create(client, "upgrade-running", 1);
        String name = running.get(0);
        await("the job runs").atMost(TIMEOUT).until(() -> phase(client, name).equals("Running"));
        String job = kubelet.jobsOf(name).iterator().next();
        assertEquals("trainer:v1", image(client, job));

        next =
            OperatorProcess.start(
                api,
                "256m",
                props("trainer:v2", "1s"),
                tmp.resolve("new.log"),
                "finetune-operator-new");
        next.awaitReady(Duration.ofSeconds(120));
        assertEquals("finetune-operator-old", holder(client), "the new pod waits as a standby");
        old.close(); // SIGTERM, as the Deployment does after the new pod is ready
        OperatorProcess newer = next;
        await("the new operator leads")
            .atMost(TIMEOUT)
            .until(() -> "finetune-operator-new".equals(holder(client)) && newer.alive());

        awaitSucceeded(client, running);
        assertEquals(1, kubelet.jobsOf(name).size(), "one trainer Job: " + kubelet.jobsOf(name));
        assertEquals(job, kubelet.jobsOf(name).iterator().next());

        List<String> after = create(client, "upgrade-after", 1);
        await("the new job's trainer Job")
            .atMost(TIMEOUT)
            .until(() -> !kubelet.jobsOf(after.get(0)).isEmpty());
        assertEquals(
            "trainer:v2",
            image(client, kubelet.jobsOf(after.get(0)).iterator().next()),
            "new jobs use the new configuration");
        awaitSucceeded(client, after);
        assertEquals(2, kubelet.jobsCreated(), "no Job created twice");
        assertTrue(phase(client, name).equals("Succeeded"));
      } finally {
        if (next != null) {
          next.close();
        }
        old.close();
      }
    }
  }

  static Map<String, String> props(String image, String metricsInterval) {
    Map<String, String> props = new HashMap<>(LeaderElectionDrillIT.props());
    props.put("finetune.operator.trainer-image", image);
    props.put("finetune.operator.metrics-interval", metricsInterval);
    return props;
  }

  static String phase(KubernetesClient client, String name) {
    FineTuneJob f = client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get();
    return f == null || f.getStatus() == null || f.getStatus().phase == null
        ? ""
        : f.getStatus().phase;
  }

  static String image(KubernetesClient client, String job) {
    Job j = client.batch().v1().jobs().inNamespace(NS).withName(job).get();
    return j.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }
}
