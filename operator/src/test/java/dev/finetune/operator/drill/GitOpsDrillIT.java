package dev.finetune.operator.drill;

import static dev.finetune.operator.drill.LeaderElectionDrillIT.TIMEOUT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TTL against GitOps self-heal. A loop plays Argo CD with selfHeal: every 200 ms it re-creates any
 * object of "Git" that is missing. A finished job with spec.ttlSecondsAfterFinished and no GitOps
 * mark is deleted by the operator and re-created by the loop (it would train again); the same job
 * carrying Argo CD's tracking annotation is kept.
 */
class GitOpsDrillIT {
  static final String NS = LeaderElectionDrillIT.NS;

  @Test
  void ttlDoesNotFightSelfHeal(@TempDir Path tmp) throws Exception {
    try (MockApiServer api = MockApiServer.start();
        InstantKubelet kubelet = new InstantKubelet(api.client(), NS, 200, j -> 0);
        OperatorProcess op =
            OperatorProcess.start(
                api, "256m", LeaderElectionDrillIT.props(), tmp.resolve("operator.log"))) {
      op.awaitReady(Duration.ofSeconds(120));
      KubernetesClient client = api.client();
      Map<String, FineTuneJob> git =
          Map.of(
              "ttl-plain", job("ttl-plain", Map.of()),
              "ttl-argo",
                  job(
                      "ttl-argo",
                      Map.of(
                          "argocd.argoproj.io/tracking-id",
                          "experiments:finetune.dev/FineTuneJob:default/ttl-argo")));
      // How often the loop created each object (the first sync included).
      Map<String, AtomicInteger> recreated = new ConcurrentHashMap<>();
      Sampler selfHeal =
          Sampler.every(
              java.time.Duration.ofMillis(200),
              "self-heal",
              () ->
                  git.forEach(
                      (name, f) -> {
                        if (client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get()
                            == null) {
                          try {
                            client.resource(job(name, f.getMetadata().getAnnotations())).create();
                            recreated
                                .computeIfAbsent(name, k -> new AtomicInteger())
                                .incrementAndGet();
                          } catch (RuntimeException e) {
                            // still being deleted: next round
                          }
                        }
                      }));
      try {
        await("self-heal re-creates the deleted plain job")
            .atMost(TIMEOUT)
            .until(() -> recreated.getOrDefault("ttl-plain", new AtomicInteger()).get() >= 2);
        await("the tracked job succeeds")
            .atMost(TIMEOUT)
            .until(
                () -> {
                  FineTuneJob f =
                      client
                          .resources(FineTuneJob.class)
                          .inNamespace(NS)
                          .withName("ttl-argo")
                          .get();
                  return f != null
                      && f.getStatus() != null
                      && "Succeeded".equals(f.getStatus().phase);
                });
        Thread.sleep(3000); // 3 x the TTL past its end
        FineTuneJob argo =
            client.resources(FineTuneJob.class).inNamespace(NS).withName("ttl-argo").get();
        assertNotNull(argo, "the tracked job is kept");
        assertEquals("Succeeded", argo.getStatus().phase);
        assertEquals(1, recreated.get("ttl-argo").get(), "created once, never re-created");
        assertEquals(1, kubelet.jobsOf("ttl-argo").size(), "trained once");
        assertTrue(recreated.get("ttl-plain").get() >= 2, "the untracked job trained again");
        System.out.println("DRILL gitops recreated " + recreated);
      } finally {
        selfHeal.close();
      }
    }
  }

  static FineTuneJob job(String name, Map<String, String> annotations) {
    FineTuneJob f = Fixtures.minimalJob(name, NS);
    f.getMetadata().setAnnotations(annotations);
    f.getSpec().ttlSecondsAfterFinished = 1;
    return f;
  }
}
