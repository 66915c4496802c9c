package dev.finetune.operator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import dev.finetune.contract.sweep.TrialSpecs;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The FineTuneSweep controller in the operator against fabric8's mock API server (both CRDs applied
 * at start-up). The mock has no webhook, so an invalid sweep reaches the reconciler. On failure it
 * prints every sweep's status and every FineTuneJob's name.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
class FineTuneSweepOperatorIT {
  static final String NS = "sweeps";
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  @Inject KubernetesClient client;

  static FineTuneSweep example(String name) throws Exception {
    FineTuneSweep sweep =
        Serialization.unmarshal(
            Files.readString(Path.of("../deploy/examples/hotdog-sweep.yaml")), FineTuneSweep.class);
    sweep.getMetadata().setName(name);
    sweep.getMetadata().setNamespace(NS);
    return sweep;
  }

  FineTuneSweepStatus awaitStatus(String name, Predicate<FineTuneSweepStatus> ok) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              FineTuneSweep s =
                  client.resources(FineTuneSweep.class).inNamespace(NS).withName(name).get();
              return s != null && s.getStatus() != null && ok.test(s.getStatus());
            });
    return client.resources(FineTuneSweep.class).inNamespace(NS).withName(name).get().getStatus();
  }

  List<String> jobs() {
    return client.resources(FineTuneJob.class).inNamespace(NS).list().getItems().stream()
        .map(j -> j.getMetadata().getName())
        .sorted()
        .toList();
  }

  static Condition condition(FineTuneSweepStatus s, String type) {
    return s.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  @AfterEach
  void dump(TestInfo info) {
    for (FineTuneSweep s :
        client.resources(FineTuneSweep.class).inNamespace(NS).list().getItems()) {
      System.out.println(
          "["
              + info.getDisplayName()
              + "] "
              + s.getMetadata().getName()
              + " status: "
              + client.getKubernetesSerialization().asJson(s.getStatus()));
    }
    System.out.println("[" + info.getDisplayName() + "] FineTuneJobs: " + jobs());
  }

  @Test
  void invalidSweepIsStalledWithTheFieldAndStartsNothing() throws Exception {
    FineTuneSweep sweep = example("bad-path");
    sweep.getSpec().parameters.get(0).name = "training.lr";
    client.resource(sweep).create();
    FineTuneSweepStatus s = awaitStatus("bad-path", st -> "Failed".equals(st.phase));
    Condition stalled = condition(s, "Stalled");
    assertEquals("True", stalled.getStatus());
    assertEquals("InvalidSpec", stalled.getReason());
    assertTrue(
        stalled
            .getMessage()
            .startsWith(
                "spec.parameters[0].name: 'training.lr' is not a"
                    + " sweepable FineTuneJob spec field"),
        stalled.getMessage());
    assertEquals("False", condition(s, "Ready").getStatus());
    assertEquals(List.of(), jobs().stream().filter(j -> j.startsWith("bad-path")).toList());
  }

  /** The example without dataset.validation (the objective's split). */
  static FineTuneSweep gated(String name) throws Exception {
    FineTuneSweep s = example(name);
    s.getSpec().template.dataset.validation = null;
    return s;
  }

  /**
   * The example's objective (validationAccuracy) needs its template's validation split: without one
   * the sweep says so and starts no trial, not even the baseline.
   */
  @Test
  void unmeasurableObjectiveStartsNoTrial() throws Exception {
    client.resource(gated("gated")).create();
    FineTuneSweepStatus s = awaitStatus("gated", st -> st.phase != null);
    assertEquals("Pending", s.phase);
    Condition stalled = condition(s, "Stalled");
    assertEquals("True", stalled.getStatus());
    assertEquals("ObjectiveUnavailable", stalled.getReason());
    assertTrue(stalled.getMessage().contains("dataset.validation"), stalled.getMessage());
    assertEquals("False", condition(s, "Reconciling").getStatus());
    assertEquals(0, s.counts.total);
    assertEquals(1L, s.observedGeneration);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> jobs().stream().noneMatch(j -> j.startsWith("gated")));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(NS).list().getItems().stream()
                    .anyMatch(
                        e ->
                            "gated".equals(e.getInvolvedObject().getName())
                                && "ObjectiveUnavailable".equals(e.getReason())));
  }

  /**
   * A FineTuneJob the sweep owns under a trial's name is read like any client reads it and counted;
   * one with a trial's name that another owner holds is not.
   */
  @Test
  void ownedTrialsAreObservedAndCounted() throws Exception {
    FineTuneSweep sweep = client.resource(gated("observed")).create();
    var first = SearchPoints.trials(sweep.getSpec()).get(0);
    String name = TrialNames.trial("observed", first);
    FineTuneJob trial = new FineTuneJob();
    trial.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withLabels(Map.of("finetune.dev/sweep", "observed"))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(sweep.getApiVersion())
                    .withKind("FineTuneSweep")
                    .withName("observed")
                    .withUid(sweep.getMetadata().getUid())
                    .withController(true)
                    .build())
            .build());
    trial.setSpec(TrialSpecs.trial(sweep.getSpec(), first, name));
    client.resource(trial).create();
    FineTuneSweepStatus s =
        awaitStatus("observed", st -> st.counts != null && st.counts.total == 1);
    assertEquals(name, s.trials.get(0).name);
    assertEquals(first.values(), s.trials.get(0).parameters);
    assertEquals(
        List.of(name),
        jobs().stream().filter(j -> j.startsWith("observed")).toList(),
        "the gated sweep created nothing more");
  }

  /**
   * With a validation split the sweep runs: the baseline and parallelTrials (2) trials, in the
   * spec's order, owned by the sweep and labelled with it; no more while they are active.
   */
  @Test
  void aMeasurableSweepCreatesTheBaselineAndParallelTrials() throws Exception {
    FineTuneSweep sweep = client.resource(example("runs")).create();
    List<String> expected = new java.util.ArrayList<>(List.of(TrialNames.baseline("runs")));
    SearchPoints.trials(sweep.getSpec())
        .subList(0, 2)
        .forEach(a -> expected.add(TrialNames.trial("runs", a)));
    await()
        .atMost(TIMEOUT)
        .until(() -> jobs().stream().filter(j -> j.startsWith("runs-")).count() == 3);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> jobs().stream().filter(j -> j.startsWith("runs-")).count() == 3);
    assertEquals(
        new java.util.TreeSet<>(expected),
        new java.util.TreeSet<>(jobs().stream().filter(j -> j.startsWith("runs-")).toList()));
    FineTuneJob baseline =
        client
            .resources(FineTuneJob.class)
            .inNamespace(NS)
            .withName(TrialNames.baseline("runs"))
            .get();
    assertEquals(
        sweep.getMetadata().getUid(), baseline.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals("runs", baseline.getMetadata().getLabels().get("finetune.dev/sweep"));
    assertEquals(0.2, baseline.getSpec().dataset.validation.fraction);
    FineTuneSweepStatus s = awaitStatus("runs", st -> st.counts != null && st.counts.total == 2);
    assertEquals("Running", s.phase);
  }

  /**
   * spec.suspend on the sweep suspends its trials and the baseline (phase Suspended); set back to
   * false it resumes them (phase Running).
   */
  @Test
  void suspendingTheSweepSuspendsItsTrialsAndResumingResumesThem() throws Exception {
    client.resource(example("paused")).create();
    await()
        .atMost(TIMEOUT)
        .until(() -> jobs().stream().filter(j -> j.startsWith("paused-")).count() == 3);
    setSuspend("paused", true);
    await().atMost(TIMEOUT).until(() -> trialSuspends("paused").equals(List.of(true)));
    assertEquals("Suspended", awaitStatus("paused", st -> "Suspended".equals(st.phase)).phase);
    assertEquals(List.of("paused"), suspendedBy("paused"), "each one marked as the sweep's doing");
    setSuspend("paused", false);
    await().atMost(TIMEOUT).until(() -> trialSuspends("paused").equals(List.of(false)));
    assertEquals("Running", awaitStatus("paused", st -> "Running".equals(st.phase)).phase);
    assertEquals(3, jobs().stream().filter(j -> j.startsWith("paused-")).count());
    await()
        .atMost(TIMEOUT)
        .until(() -> suspendedBy("paused").equals(java.util.Arrays.asList((String) null)));
  }

  /**
   * A trial a user suspends by hand ({@code kubectl patch ftj ... suspend: true}) is not the
   * sweep's to resume: the running sweep leaves it suspended.
   */
  @Test
  void aTrialSuspendedByHandStaysSuspended() throws Exception {
    client.resource(example("byhand")).create();
    await()
        .atMost(TIMEOUT)
        .until(() -> jobs().stream().filter(j -> j.startsWith("byhand-")).count() == 3);
    String trial =
        jobs().stream()
            .filter(j -> j.startsWith("byhand-") && !j.endsWith("-baseline"))
            .findFirst()
            .orElseThrow();
    setSuspend(FineTuneJob.class, trial, true);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(TIMEOUT)
        .until(
            () ->
                Boolean.TRUE.equals(
                    client
                        .resources(FineTuneJob.class)
                        .inNamespace(NS)
                        .withName(trial)
                        .get()
                        .getSpec()
                        .suspend));
    assertEquals("Running", awaitStatus("byhand", st -> st.phase != null).phase);
  }

  /** The distinct values of the sweep's FineTuneJobs' suspended-by-sweep annotation. */
  List<String> suspendedBy(String sweep) {
    return client.resources(FineTuneJob.class).inNamespace(NS).list().getItems().stream()
        .filter(j -> j.getMetadata().getName().startsWith(sweep + "-"))
        .map(
            j ->
                j.getMetadata().getAnnotations() == null
                    ? null
                    : j.getMetadata().getAnnotations().get("finetune.dev/suspended-by-sweep"))
        .distinct()
        .toList();
  }

  /**
   * As {@code kubectl patch --type merge} does it: no resourceVersion, so the operator's own status
   * writes in between do not make it a conflict (an edit's read-modify-write did, 409).
   */
  void setSuspend(String sweep, boolean suspend) {
    setSuspend(FineTuneSweep.class, sweep, suspend);
  }

  /** spec.suspend of a sweep or a FineTuneJob, by merge patch (as above). */
  <T extends io.fabric8.kubernetes.api.model.HasMetadata> void setSuspend(
      Class<T> kind, String name, boolean suspend) {
    client
        .resources(kind)
        .inNamespace(NS)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"suspend\":" + suspend + "}}");
  }

  /** The distinct spec.suspend values of the sweep's FineTuneJobs. */
  List<Boolean> trialSuspends(String sweep) {
    return client.resources(FineTuneJob.class).inNamespace(NS).list().getItems().stream()
        .filter(j -> j.getMetadata().getName().startsWith(sweep + "-"))
        .map(j -> Boolean.TRUE.equals(j.getSpec().suspend))
        .distinct()
        .toList();
  }
}
