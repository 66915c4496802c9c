package dev.finetune.operator.drill;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.api.v1alpha1.sweep.SweepPromotion;
import dev.finetune.contract.FinalResult;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drill (sweep kill): the packaged operator runs a FineTuneSweep (4 trials, 2 at a time, and the
 * baseline) against the mock API server; an {@link InstantKubelet} ends every trainer after 1.5 s
 * with exit 0 and a FinalResult whose validation accuracy is fixed per trial. The operator is
 * SIGKILLed twice: as soon as the sweep's first FineTuneJob appears (the others of that reconcile
 * may or may not have been created) and once the first trial succeeded (while trials run and the
 * next ones are due); each time a new operator is started.
 *
 * <p>Asserted, from a watch that records every FineTuneJob ADDED with its uid: each trial and the
 * baseline was created exactly once (one uid per name, the names exactly the planned ones), each
 * ran exactly one trainer Job, the counts end 4 succeeded and none failed, and the sweep ends
 * Succeeded with the best trial the results say.
 */
class SweepKillDrillIT {
  static final String NS = "sweep-drill";
  static final String SWEEP = "drill";
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  static void out(String key, Object value) {
    System.out.println("DRILL sweep-kill " + key + " " + value);
  }

  @Test
  void operatorKillsCreateNoTrialTwiceAndLoseNone(@TempDir Path tmp) throws Exception {
    Path log = tmp.resolve("operator.log");
    Map<String, Set<String>> uids = new ConcurrentHashMap<>();
    try (MockApiServer api = MockApiServer.start();
        InstantKubelet kubelet =
            new InstantKubelet(api.client(), NS, 1500, j -> 0, SweepKillDrillIT::result)) {
      KubernetesClient client = api.client();
      Watch watch =
          client
              .resources(FineTuneJob.class)
              .inNamespace(NS)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, FineTuneJob j) {
                      if (action == Action.ADDED) {
                        uids.computeIfAbsent(
                                j.getMetadata().getName(), k -> ConcurrentHashMap.newKeySet())
                            .add(j.getMetadata().getUid());
                      }
                    }

                    @Override
                    public void onClose(WatcherException e) {
                      // closed at the end
                    }
                  });
      OperatorProcess op = OperatorProcess.start(api, "256m", props(), log);
      op.awaitReady(Duration.ofSeconds(120));
      try {
        FineTuneSweep sweep = client.resource(sweep()).create();
        List<String> planned = new ArrayList<>();
        SearchPoints.trials(sweep.getSpec()).forEach(a -> planned.add(TrialNames.trial(SWEEP, a)));
        planned.add(TrialNames.baseline(SWEEP));

        awaitUntil(() -> !uids.isEmpty(), "the first FineTuneJob");
        op.kill();
        out("kill", "1 after the first creation: " + new TreeSet<>(uids.keySet()));
        op = OperatorProcess.start(api, "256m", props(), log);
        op.awaitReady(Duration.ofSeconds(120));

        awaitUntil(() -> succeeded(client) >= 1, "the first trial succeeds");
        op.kill();
        out("kill", "2 after a trial succeeded: " + new TreeSet<>(uids.keySet()));
        op = OperatorProcess.start(api, "256m", props(), log);
        op.awaitReady(Duration.ofSeconds(120));

        awaitUntil(() -> "Succeeded".equals(phase(client)), "the sweep succeeds");
        FineTuneSweepStatus s =
            client.resources(FineTuneSweep.class).inNamespace(NS).withName(SWEEP).get().getStatus();
        Map<String, Integer> created = new TreeMap<>();
        uids.forEach((name, ids) -> created.put(name, ids.size()));
        out("created", created);
        out("counts", Serialization.asJson(s.counts));
        out("best", s.bestTrial.name + " " + s.bestTrial.objective);

        assertEquals(new TreeSet<>(planned), created.keySet(), "every planned job, no other");
        for (var e : created.entrySet()) {
          assertEquals(1, e.getValue(), e.getKey() + " created more than once");
          assertEquals(1, kubelet.jobsOf(e.getKey()).size(), e.getKey() + " trained twice");
        }
        assertEquals(4, s.counts.total);
        assertEquals(4, s.counts.succeeded);
        assertEquals(0, s.counts.failed);
        assertEquals(0, s.counts.running + s.counts.pending);
        String best =
            planned.stream()
                .filter(n -> !n.equals(TrialNames.baseline(SWEEP)))
                .max((a, b) -> Double.compare(validationAccuracy(a), validationAccuracy(b)))
                .orElseThrow();
        assertNotNull(s.bestTrial);
        assertEquals(best, s.bestTrial.name);
        assertEquals(TrialNames.baseline(SWEEP), s.baseline.job);
        kubelet.check();
      } finally {
        watch.close();
        op.close();
      }
    }
  }

  /**
   * The example sweep, cut to 4 trials and made to need no object storage: no checkpoints, no early
   * stopping (its curves are read from storage), and a promotion minDelta no trial reaches
   * (promotion copies in storage; it is not what this drill is about).
   */
  static FineTuneSweep sweep() throws Exception {
    FineTuneSweep sweep =
        Serialization.unmarshal(
            Files.readString(Path.of("../deploy/examples/hotdog-sweep.yaml")), FineTuneSweep.class);
    sweep.getMetadata().setName(SWEEP);
    sweep.getMetadata().setNamespace(NS);
    sweep.getSpec().template.checkpoints = null;
    sweep.getSpec().template.resources.gpus = 0;
    sweep.getSpec().earlyStopping = null;
    sweep.getSpec().maxTrials = 4;
    sweep.getSpec().parallelTrials = 2;
    sweep.getSpec().promotion = new SweepPromotion();
    sweep.getSpec().promotion.minDelta = 0.9;
    return sweep;
  }

  /** The trainer's termination message: a FinalResult with this FineTuneJob's numbers. */
  static String result(Job job) {
    String ftj = job.getMetadata().getLabels().get(Labels.JOB);
    double val = validationAccuracy(ftj);
    boolean baseline = ftj.equals(TrialNames.baseline(SWEEP));
    return new FinalResult(
            FinalResult.FORMAT,
            new FinalResult.Run(5, 5, 50, 0.5, 0.8, baseline ? 0.5 : 0.7, 100.0, val, 0.6, 5),
            null,
            null)
        .toJson();
  }

  /** Fixed per name, different between the trials. */
  static double validationAccuracy(String ftj) {
    return 0.5 + Math.floorMod(ftj.hashCode(), 400) / 1000.0;
  }

  static long succeeded(KubernetesClient client) {
    return client.resources(FineTuneJob.class).inNamespace(NS).list().getItems().stream()
        .filter(j -> j.getStatus() != null && "Succeeded".equals(j.getStatus().phase))
        .count();
  }

  static String phase(KubernetesClient client) {
    FineTuneSweep s = client.resources(FineTuneSweep.class).inNamespace(NS).withName(SWEEP).get();
    return s == null || s.getStatus() == null ? null : s.getStatus().phase;
  }

  static Map<String, String> props() {
    return Map.of(
        "finetune.operator.trainer-image", "trainer:drill",
        "finetune.operator.backoff-base", "200ms",
        "finetune.operator.backoff-max", "1s",
        "finetune.operator.metrics-interval", "1s");
  }

  static void awaitUntil(java.util.concurrent.Callable<Boolean> done, String what) {
    await(what).atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(done);
  }
}
