package dev.finetune.platform;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.operator.sim.InstantKubelet;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The packaged operator (its own JVM, production profile) against fabric8's mock API server, with a
 * few FineTuneJobs that succeed, fail permanently, or are preempted once and then succeed, so its
 * /q/metrics has reconcile counts, latencies, events and jobs by phase for Prometheus to scrape;
 * and a FineTuneSweep (in the dashboards' namespace, {@code PrometheusQueriesTest.NAMESPACE}, whose
 * trials no kubelet runs, so they stay pending) for its trials by state. Built from the operator
 * module's test harness (its test-jar).
 */
final class RunningOperator implements AutoCloseable {
  static final String NS = "platform-ops";
  static final List<String> JOBS = List.of("ops-ok-1", "ops-ok-2", "ops-bad", "ops-flaky");

  private final MockApiServer api;
  private final InstantKubelet kubelet;
  private final OperatorProcess operator;

  RunningOperator(Path log) throws Exception {
    api = MockApiServer.start();
    kubelet = new InstantKubelet(api.client(), NS, 500, RunningOperator::exitCode);
    operator =
        OperatorProcess.start(
            api,
            "256m",
            Map.of(
                "finetune.operator.trainer-image", "trainer:platform",
                "finetune.operator.backoff-base", "200ms",
                "finetune.operator.backoff-max", "1s"),
            log);
    operator.awaitReady(Duration.ofSeconds(120));
    for (String name : JOBS) {
      FineTuneJob f = new FineTuneJob();
      f.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
      FineTuneJobSpec spec = new FineTuneJobSpec();
      spec.dataset.train = "https://data.example.com/train.zip";
      spec.dataset.test = "https://data.example.com/test.zip";
      spec.backoffLimit = 2;
      f.setSpec(spec);
      api.client().resource(f).create();
    }
    api.client().resource(sweep()).create();
  }

  static final String SWEEP = "ops-sweep";

  /**
   * The example sweep, 2 trials, without what would need object storage (checkpoints, early
   * stopping) or a GPU.
   */
  static FineTuneSweep sweep() throws Exception {
    FineTuneSweep sweep =
        Serialization.unmarshal(
            Files.readString(Tools.root().resolve("deploy/examples/hotdog-sweep.yaml")),
            FineTuneSweep.class);
    sweep.getMetadata().setName(SWEEP);
    sweep.getMetadata().setNamespace(PrometheusQueriesTest.NAMESPACE);
    sweep.getSpec().template.checkpoints = null;
    sweep.getSpec().template.resources.gpus = 0;
    sweep.getSpec().earlyStopping = null;
    sweep.getSpec().maxTrials = 2;
    return sweep;
  }

  /** Whether the sweep's status counts its trials yet. */
  boolean sweepCounted() {
    FineTuneSweep s =
        api.client()
            .resources(FineTuneSweep.class)
            .inNamespace(PrometheusQueriesTest.NAMESPACE)
            .withName(SWEEP)
            .get();
    return s != null
        && s.getStatus() != null
        && s.getStatus().counts != null
        && s.getStatus().counts.total != null
        && s.getStatus().counts.total > 0;
  }

  /** ops-bad exits 5 (permanent); ops-flaky is preempted (137) in attempt 1; others exit 0. */
  static int exitCode(Job job) {
    String owner = job.getMetadata().getLabels().get("finetune.dev/job");
    String attempt = job.getMetadata().getLabels().get("finetune.dev/attempt");
    if (owner.equals("ops-bad")) {
      return 5;
    }
    return owner.equals("ops-flaky") && attempt.equals("1") ? 137 : 0;
  }

  /** host:port of its /q/metrics. */
  String target() {
    return "127.0.0.1:" + operator.port();
  }

  /** FineTuneJobs that reached a terminal phase. */
  long finished() {
    return api.client().resources(FineTuneJob.class).inNamespace(NS).list().getItems().stream()
        .filter(
            f ->
                f.getStatus() != null
                    && ("Succeeded".equals(f.getStatus().phase)
                        || "Failed".equals(f.getStatus().phase)))
        .count();
  }

  @Override
  public void close() throws Exception {
    operator.close();
    kubelet.close();
    api.close();
  }
}
