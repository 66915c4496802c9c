package dev.finetune.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.spec.ValidationSpec;
import dev.finetune.api.v1alpha1.sweep.Categorical;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepStatus;
import dev.finetune.api.v1alpha1.sweep.SearchSpace;
import dev.finetune.api.v1alpha1.sweep.SweepParameter;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import dev.finetune.operator.Fixtures;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * A FineTuneSweep on a real control plane ({@link TrainingRig}: the packaged operator under
 * deploy/base's RBAC, the {@link NodeAgent} running the real trainer as a child JVM, S3 on
 * s3proxy): a 2 x 1 grid over a tiny 3-class ImageFolder (32 px, 1 epoch, a held-out validation
 * fraction), one trial at a time, applied with the real kubectl; a re-apply creates nothing; the
 * best trial by validation accuracy is promoted to the sweep's best/ folder in S3, which a new
 * sweep of the same name does not overwrite.
 */
class ClusterSweepIT {
  static final String NS = "sweep-a";
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);

  static TrainingRig rig;

  @BeforeAll
  static void install() throws Exception {
    rig = TrainingRig.start(NS, "finetune-operator-0");
  }

  @AfterAll
  static void stop() throws Exception {
    if (rig != null) {
      rig.close();
    }
  }

  @AfterEach
  void dump(TestInfo info) {
    rig.agent.check();
    for (FineTuneSweep s :
        rig.admin.resources(FineTuneSweep.class).inNamespace(NS).list().getItems()) {
      System.out.println(
          "["
              + info.getDisplayName()
              + "] "
              + s.getMetadata().getName()
              + " status: "
              + rig.admin.getKubernetesSerialization().asJson(s.getStatus()));
    }
    for (FineTuneJob f : rig.admin.resources(FineTuneJob.class).inNamespace(NS).list().getItems()) {
      System.out.println(
          "["
              + info.getDisplayName()
              + "] "
              + f.getMetadata().getName()
              + " status: "
              + rig.admin.getKubernetesSerialization().asJson(f.getStatus()));
    }
    System.out.println(
        "["
            + info.getDisplayName()
            + "] operator log: "
            + rig.dir.resolve("operator.log")
            + ", control plane logs: "
            + rig.cluster.logs());
  }

  /** learningRate {0.01, 0.02} x weightDecay {1e-4}: two trials and the baseline. */
  static FineTuneSweep sweep(String name) {
    FineTuneSweep s = new FineTuneSweep();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    FineTuneSweepSpec spec = new FineTuneSweepSpec();
    spec.template =
        Fixtures.trainerRun("template", NS, rig.data, rig.s3.uri("sweeps"), TrainingRig.SECRET)
            .getSpec();
    spec.template.training.epochs = 1;
    spec.template.dataset.validation = new ValidationSpec();
    spec.template.dataset.validation.fraction = 0.25;
    spec.parameters =
        List.of(
            categorical("training.learningRate", "0.01", "0.02"),
            categorical("training.weightDecay", "0.0001"));
    spec.parallelTrials = 1;
    s.setSpec(spec);
    return s;
  }

  static SweepParameter categorical(String field, String... choices) {
    SearchSpace space = new SearchSpace();
    space.categorical = new Categorical();
    space.categorical.choices = List.of(choices);
    return new SweepParameter(field, space);
  }

  static FineTuneSweepStatus awaitStatus(String name, Predicate<FineTuneSweepStatus> ok) {
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              rig.agent.check();
              FineTuneSweep s =
                  rig.admin.resources(FineTuneSweep.class).inNamespace(NS).withName(name).get();
              return s != null && s.getStatus() != null && ok.test(s.getStatus());
            });
    return rig.admin
        .resources(FineTuneSweep.class)
        .inNamespace(NS)
        .withName(name)
        .get()
        .getStatus();
  }

  /** name -> uid of the sweep's FineTuneJobs. */
  static Map<String, String> jobs(String sweep) {
    return rig
        .admin
        .resources(FineTuneJob.class)
        .inNamespace(NS)
        .withLabel("finetune.dev/sweep", sweep)
        .list()
        .getItems()
        .stream()
        .collect(
            Collectors.toMap(
                j -> j.getMetadata().getName(),
                j -> j.getMetadata().getUid(),
                (a, b) -> a,
                TreeMap::new));
  }

  @Test
  void aGridSweepRunsItsTrialsAndOneBaselinePromotesTheBestAndNeverOverwritesIt() throws Exception {
    FineTuneSweep sweep = sweep("grid");
    String yaml = rig.admin.getKubernetesSerialization().asYaml(sweep);
    rig.cluster.kubectlWithInput(yaml, "apply", "-f", "-").ok();

    List<String> trials =
        SearchPoints.trials(sweep.getSpec()).stream()
            .map(a -> TrialNames.trial("grid", a))
            .toList();
    assertEquals(2, trials.size());
    // One trial at a time: the second is created only after the first finished.
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              rig.agent.check();
              Map<String, String> now = jobs("grid");
              assertTrue(
                  !now.containsKey(trials.get(1))
                      || phase(trials.get(0)).equals("Succeeded")
                      || phase(trials.get(0)).equals("Failed"),
                  "parallelTrials 1: " + now);
              return now.containsKey(trials.get(1));
            });

    FineTuneSweepStatus s = awaitStatus("grid", st -> "Succeeded".equals(st.phase));
    assertEquals(2, s.counts.total);
    assertEquals(2, s.counts.succeeded);
    assertEquals(0, s.counts.failed);
    assertEquals(0, s.counts.running + s.counts.pending);
    assertEquals(TrialNames.baseline("grid"), s.baseline.job);
    assertNotNull(s.baseline.testAccuracy);
    assertEquals(trials, s.trials.stream().map(r -> r.name).toList());
    for (String t : trials) {
      FineTuneJob job = rig.admin.resources(FineTuneJob.class).inNamespace(NS).withName(t).get();
      assertEquals("Succeeded", job.getStatus().phase);
      assertNotNull(
          job.getStatus().metrics.validationAccuracy, t + " reports its validation" + " accuracy");
    }
    Map<String, String> before = jobs("grid");
    assertEquals(3, before.size(), "two trials and one baseline: " + before);

    rig.cluster.kubectlWithInput(yaml, "apply", "-f", "-").ok();
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(15))
        .until(() -> jobs("grid").equals(before));
    assertEquals("Succeeded", awaitStatus("grid", st -> true).phase);

    // The best trial by validation accuracy, its gain over the baseline's test accuracy.
    FineTuneSweepStatus done = awaitStatus("grid", st -> st.promotedModelUri != null);
    FineTuneJob winner =
        rig.admin.resources(FineTuneJob.class).inNamespace(NS).withName(done.bestTrial.name).get();
    double best =
        trials.stream()
            .mapToDouble(
                t ->
                    Double.parseDouble(
                        rig.admin
                            .resources(FineTuneJob.class)
                            .inNamespace(NS)
                            .withName(t)
                            .get()
                            .getStatus()
                            .metrics
                            .validationAccuracy))
            .max()
            .orElseThrow();
    assertEquals(best, done.bestTrial.objective);
    assertEquals(
        Double.parseDouble(winner.getStatus().metrics.validationAccuracy),
        done.bestTrial.objective);
    assertEquals(
        Double.parseDouble(winner.getStatus().metrics.testAccuracy) - done.baseline.testAccuracy,
        done.bestTrial.accuracyGain,
        1e-12);
    assertEquals(
        SearchPoints.trials(sweep.getSpec()).get(trials.indexOf(done.bestTrial.name)).values(),
        done.bestTrial.parameters);
    String table = rig.cluster.kubectl("get", "fts", "grid", "-n", NS).ok().stdout();
    List<String> row = List.of(table.lines().toList().get(1).split(" +"));
    assertEquals(List.of("grid", "2", done.bestTrial.name), row.subList(0, 3), table);
    assertEquals("Succeeded", row.get(4), table);

    // Promotion: the winner's model/ objects under <template uri>/grid/best/, byte for byte.
    assertEquals(rig.s3.uri("sweeps/grid/best/model.safetensors"), done.promotedModelUri);
    assertEquals("True", condition(done, "Promoted").getStatus());
    java.nio.file.Path bestDir = rig.s3.root().resolve("sweeps/grid/best");
    java.nio.file.Path modelDir = rig.s3.root().resolve("sweeps/" + done.bestTrial.name + "/model");
    List<String> copied = new java.util.ArrayList<>();
    try (var files = java.nio.file.Files.list(modelDir)) {
      for (java.nio.file.Path f : files.sorted().toList()) {
        copied.add(f.getFileName().toString());
        org.junit.jupiter.api.Assertions.assertArrayEquals(
            java.nio.file.Files.readAllBytes(f),
            java.nio.file.Files.readAllBytes(bestDir.resolve(f.getFileName())),
            f.toString());
      }
    }
    assertTrue(
        copied.containsAll(List.of("manifest.json", "model.safetensors", "result.json")),
        copied.toString());
    var lineage =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(bestDir.resolve("promotion.json").toFile());
    assertEquals(done.bestTrial.name, lineage.path("trial").asText());
    assertEquals(sweepUid("grid"), lineage.path("sweep").path("uid").asText());
    byte[] promotion = java.nio.file.Files.readAllBytes(bestDir.resolve("promotion.json"));

    // A new sweep of the same name never overwrites the promoted model of the old one.
    rig.cluster.kubectl("delete", "fts", "grid", "-n", NS).ok();
    await().atMost(RUN_TIMEOUT).until(() -> jobs("grid").isEmpty());
    rig.cluster.kubectlWithInput(yaml, "apply", "-f", "-").ok();
    FineTuneSweepStatus again =
        awaitStatus(
            "grid", st -> st.conditions.stream().anyMatch(c -> "Promoted".equals(c.getType())));
    assertEquals(
        "BestTaken",
        condition(again, "Promoted").getReason(),
        condition(again, "Promoted").getMessage());
    assertEquals(null, again.promotedModelUri);
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        promotion, java.nio.file.Files.readAllBytes(bestDir.resolve("promotion.json")));
  }

  /**
   * The median rule on the real cluster: judged by validation loss, the first trial (learning rate
   * 1e-4) finishes; the second (0.05 from scratch, whose seeded loss blows up from epoch 1) is
   * suspended at the first epoch the operator sees validated, annotated, and counted EarlyStopped;
   * the sweep still succeeds and promotes the first.
   */
  @Test
  void theMedianRuleSuspendsALosingTrial() throws Exception {
    FineTuneSweep sweep = sweep("early");
    sweep.getSpec().template.training.epochs = 6;
    sweep.getSpec().parameters =
        List.of(
            categorical("training.learningRate", "0.0001", "0.05"),
            categorical("training.weightDecay", "0.0001"));
    sweep.getSpec().objective.metric =
        dev.finetune.api.v1alpha1.sweep.SweepObjective.Metric.VALIDATION_LOSS;
    sweep.getSpec().objective.direction =
        dev.finetune.api.v1alpha1.sweep.SweepObjective.Direction.MINIMIZE;
    sweep.getSpec().earlyStopping = new dev.finetune.api.v1alpha1.sweep.SweepEarlyStopping();
    sweep.getSpec().earlyStopping.minCompletedTrials = 1;
    rig.cluster
        .kubectlWithInput(rig.admin.getKubernetesSerialization().asYaml(sweep), "apply", "-f", "-")
        .ok();
    List<String> trials =
        SearchPoints.trials(sweep.getSpec()).stream()
            .map(a -> TrialNames.trial("early", a))
            .toList();

    FineTuneSweepStatus s =
        awaitStatus("early", st -> "Succeeded".equals(st.phase) || "Failed".equals(st.phase));
    assertEquals("Succeeded", s.phase);
    assertEquals(1, s.counts.succeeded, "status: " + s.counts.succeeded);
    assertEquals(1, s.counts.earlyStopped);
    assertEquals(
        List.of("Succeeded", "EarlyStopped"), s.trials.stream().map(r -> r.phase).toList());
    assertEquals(6, s.trials.get(0).objectiveByEpoch.size(), "the finished trial's whole curve");
    FineTuneJob stopped =
        rig.admin.resources(FineTuneJob.class).inNamespace(NS).withName(trials.get(1)).get();
    assertTrue(stopped.getSpec().suspend, "suspended, not deleted");
    String why = stopped.getMetadata().getAnnotations().get("finetune.dev/early-stopped");
    assertTrue(why != null && why.contains("worse than the median"), String.valueOf(why));
    assertTrue(stopped.getStatus().metrics.validationEpoch < 6, "stopped before its last epoch");
    assertEquals(trials.get(0), s.bestTrial.name);
    assertEquals(
        "True",
        condition(awaitStatus("early", st -> st.promotedModelUri != null), "Promoted").getStatus());
  }

  static String sweepUid(String name) {
    return rig.admin
        .resources(FineTuneSweep.class)
        .inNamespace(NS)
        .withName(name)
        .get()
        .getMetadata()
        .getUid();
  }

  static io.fabric8.kubernetes.api.model.Condition condition(FineTuneSweepStatus s, String type) {
    return s.conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition: " + s.conditions));
  }

  static String phase(String ftj) {
    FineTuneJob j = rig.admin.resources(FineTuneJob.class).inNamespace(NS).withName(ftj).get();
    return j == null || j.getStatus() == null || j.getStatus().phase == null
        ? ""
        : j.getStatus().phase;
  }
}
