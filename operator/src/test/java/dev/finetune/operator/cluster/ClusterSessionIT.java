package dev.finetune.operator.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kubectl sessions the docs show, produced here from a real run: the real kubectl v1.37.2
 * against the real control plane, the packaged operator as its ServiceAccount, the node agent
 * running the real trainer on a tiny 3-class dataset, checkpoints in s3proxy. The README's session
 * is {@code docs/transcripts/readme-session.console}, docs/OPERATOR.md's is {@code
 * operator-session.console}; {@link Transcript#check} fails when the run no longer matches them.
 * The one edit: the test's temporary folder is left out of paths, and its dataset folder is shown
 * as {@code /data}.
 */
class ClusterSessionIT {
  static TrainingRig rig;

  @BeforeAll
  static void install() throws Exception {
    rig = TrainingRig.start("default", "finetune-operator-0");
  }

  @AfterAll
  static void stop() throws Exception {
    if (rig != null) {
      rig.close();
    }
  }

  Path file(String name, String yaml) throws Exception {
    Path f = rig.dir.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void theDocumentedSessionsAreWhatKubectlPrints() throws Exception {
    RealCluster cluster = rig.cluster;
    Path ok =
        file(
            "ok.yaml",
            rig.yaml(
                "ok",
                rig.data,
                s -> {
                  s.baseline = new dev.finetune.api.v1alpha1.spec.BaselineSpec();
                  s.baseline.fromScratch = new dev.finetune.api.v1alpha1.spec.FromScratchSpec();
                  s.baseline.fromScratch.epochs = 1;
                  s.baseline.fromScratch.learningRate = 0.01;
                }));
    Map<String, String> shownAs = new LinkedHashMap<>();
    shownAs.put(rig.data.toUri().toString(), "file:///data/");
    shownAs.put(rig.dir + "/", "");
    Transcript readme = new Transcript("readme-session.console", shownAs);
    readme.run(cluster, "kubectl apply -f ok.yaml", "apply", "-f", ok.toString()).ok();
    readme
        .run(
            cluster,
            "kubectl wait --for=condition=Succeeded ftj/ok --timeout=10m",
            "wait",
            "--for=condition=Succeeded",
            "ftj/ok",
            "--timeout=10m")
        .ok();
    readme.run(cluster, "kubectl get ftj", "get", "ftj").ok();
    readme
        .run(
            cluster,
            "kubectl get jobs,pods -l finetune.dev/job=ok",
            "get",
            "jobs,pods",
            "-l",
            "finetune.dev/job=ok")
        .ok();
    // Events in the same second have no defined order, so they are listed by reason.
    String events =
        "kubectl get events --field-selector involvedObject.name=ok"
            + " --sort-by=.reason -o custom-columns=TYPE:.type,REASON:.reason";
    readme
        .run(
            cluster,
            events,
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=ok," + "involvedObject.kind=FineTuneJob",
            "--sort-by=.reason",
            "-o",
            "custom-columns=TYPE:.type,REASON:.reason")
        .ok();

    Transcript operator = new Transcript("operator-session.console", shownAs);
    operator
        .run(
            cluster,
            "kubectl explain finetunejob.spec.training.freeze",
            "explain",
            "finetunejob.spec.training.freeze")
        .ok();
    String typoYaml = rig.yaml("typo", rig.data, s -> {});
    assertTrue(typoYaml.contains("learningRate: 0.01\n"), typoYaml);
    Path typo = file("typo.yaml", typoYaml.replace("learningRate: 0.01\n", "learningRat: 0.01\n"));
    assertNotEquals(
        0,
        operator
            .run(
                cluster,
                "kubectl apply -f typo.yaml   # learningRat",
                "apply",
                "-f",
                typo.toString())
            .exitCode());
    operator.run(cluster, "kubectl get ftj ok -o yaml", "get", "ftj", "ok", "-o", "yaml").ok();
    assertNotEquals(
        0,
        operator
            .run(
                cluster,
                "kubectl patch ftj ok --type=merge -p"
                    + " '{\"spec\":{\"training\":{\"epochs\":3}}}'",
                "patch",
                "ftj",
                "ok",
                "--type=merge",
                "-p",
                "{\"spec\":{\"training\":{\"epochs\":3}}}")
            .exitCode());
    operator.run(cluster, "kubectl delete ftj ok", "delete", "ftj", "ok").ok();
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                rig.admin.batch().v1().jobs().inNamespace("default").list().getItems().isEmpty()
                    && rig.admin.pods().inNamespace("default").list().getItems().isEmpty());
    operator.note("a few seconds later, when the garbage collector has removed the Job and pod:");
    operator.run(cluster, "kubectl get ftj,jobs,pods", "get", "ftj,jobs,pods").ok();

    readme.check();
    operator.check();
  }
}
