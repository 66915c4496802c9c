package dev.finetune.operator.drill;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.CheckpointSpec;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import dev.finetune.operator.sim.SimulatedKubelet;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drill 1 (kill storm): the packaged operator (its own JVM) runs a FineTuneJob whose real trainer
 * (child JVMs started by the {@link SimulatedKubelet}) is SIGKILLed at random moments 6 times,
 * while the operator itself is SIGKILLed and restarted twice: once right after a trainer kill (so
 * the new operator must notice the failure and create the next attempt exactly once) and once while
 * a trainer runs (and is then killed while no operator is up). Checkpoints go to s3proxy.
 *
 * <p>Asserted: the job succeeds; its final model is byte-identical to an undisturbed run's with the
 * same seed; every kill loses at most one checkpoint interval of steps; there is never more than
 * one live trainer Job or process at a time, and the attempts are exactly 1..7.
 */
class KillStormDrillIT {
  static final String NS = "storm";
  static final String SECRET = "storm-s3";
  static final int KILLS = 6;
  static final int EPOCHS = 12;
  static final int STEPS_PER_EPOCH = 15; // 3 classes x 40 images / batch 8
  static final Duration TIMEOUT = Duration.ofMinutes(8);
  static final Pattern RESUMED =
      Pattern.compile(
          "resuming from the newest valid checkpoint: " + "\\d+ epoch\\(s\\) done, step (\\d+)");
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static void out(String key, Object value) {
    System.out.println("DRILL kill-storm " + key + " " + value);
  }

  @Test
  void sigkillsOfTrainersAndOperatorLoseNothing(@TempDir Path tmp) throws Exception {
    long seed = Long.getLong("drill.seed", 20261127L);
    Random random = new Random(seed);
    out("seed", seed);
    Path data = SyntheticImageFolder.write(tmp.resolve("data"), 40, 4, 32, 7);
    Path log = tmp.resolve("operator.log");
    try (MockApiServer api = MockApiServer.start();
        S3Server s3 = S3Server.start("finetune")) {
      KubernetesClient client = api.client();
      client.secrets().inNamespace(NS).resource(Fixtures.s3Secret(SECRET, NS, s3)).create();
      try (SimulatedKubelet kubelet =
              new SimulatedKubelet(client, NS, Files.createDirectories(tmp.resolve("nodes")));
          LiveTrainers live = new LiveTrainers(kubelet)) {
        OperatorProcess op = OperatorProcess.start(api, "256m", props(), log);
        op.awaitReady(Duration.ofSeconds(120));
        try {
          // The undisturbed reference run.
          create(client, s3, data, "calm");
          awaitUntil(() -> "Succeeded".equals(phase(client, "calm")), "calm succeeds");

          create(client, s3, data, "storm");
          List<Long> lost = new ArrayList<>();
          int operatorKills = 0;
          for (int k = 1; k <= KILLS; k++) {
            String job = "storm-attempt-" + k;
            awaitUntil(() -> kubelet.run(job) != null, job + " runs");
            long from = resumedStep(kubelet.run(job).stderr(), k);
            // Let it write at least one new checkpoint, then kill somewhere in the next interval.
            awaitUntil(() -> newestCheckpointStep(s3) > from, job + " checkpoints");
            Thread.sleep(random.nextInt(1500));
            boolean operatorDownFirst = k == 4;
            if (operatorDownFirst) {
              op.kill();
              operatorKills++;
              Thread.sleep(random.nextInt(1000));
            }
            long stepAtKill = step(kubelet.run(job).metricsPort());
            assertTrue(kubelet.run(job).process().isAlive(), job + " ended before its kill");
            kubelet.kill(job);
            out("kill", k + " " + job + " at step " + stepAtKill);
            if (k == 2) {
              op.kill(); // the failure happens while this operator may be mid-reconcile
              operatorKills++;
            }
            if (k == 2 || operatorDownFirst) {
              Thread.sleep(random.nextInt(2000));
              op = OperatorProcess.start(api, "256m", props(), log);
              op.awaitReady(Duration.ofSeconds(120));
            }
            String next = "storm-attempt-" + (k + 1);
            awaitUntil(() -> kubelet.run(next) != null, next + " runs");
            long resumed = resumedStep(kubelet.run(next).stderr(), k + 1);
            lost.add(stepAtKill - resumed);
            out(
                "resume",
                (k + 1) + " from step " + resumed + " (lost " + (stepAtKill - resumed) + " steps)");
          }
          awaitUntil(() -> "Succeeded".equals(phase(client, "storm")), "storm succeeds");

          String calm = sha256(s3.file(s3.uri("runs/calm/model/model.safetensors")));
          String storm = sha256(s3.file(s3.uri("runs/storm/model/model.safetensors")));
          List<String> jobs =
              client
                  .batch()
                  .v1()
                  .jobs()
                  .inNamespace(NS)
                  .withLabel(Labels.JOB, "storm")
                  .list()
                  .getItems()
                  .stream()
                  .map(j -> j.getMetadata().getName())
                  .sorted()
                  .toList();
          FineTuneJob f =
              client.resources(FineTuneJob.class).inNamespace(NS).withName("storm").get();
          out("faults", KILLS + " trainer SIGKILLs, " + operatorKills + " operator SIGKILLs");
          out("lost_steps_per_kill", lost + " (checkpoint interval " + STEPS_PER_EPOCH + ")");
          out("max_live_trainers", live.max());
          out("attempts", jobs.size() + " restarts=" + f.getStatus().restarts);
          out("bitwise_equal", calm.equals(storm));

          assertEquals(calm, storm, "final model equals the undisturbed run's, byte for byte");
          for (long l : lost) {
            assertTrue(l >= 0 && l <= STEPS_PER_EPOCH, "work lost per kill: " + lost);
          }
          assertEquals(1, live.max(), "never two live trainers at once");
          List<String> expected = new ArrayList<>();
          for (int a = 1; a <= KILLS + 1; a++) {
            expected.add("storm-attempt-" + a);
          }
          assertEquals(expected.stream().sorted().toList(), jobs, "one Job per attempt");
          assertEquals(KILLS, f.getStatus().restarts);
          assertNoSecretLeaks(client, kubelet, op, log);
        } finally {
          op.close();
        }
      }
    }
  }

  /**
   * Drill 7 (secrets): the S3 credentials are canary strings. After the storm, none may appear,
   * plain or base64-encoded ({@link SecretForms}), in any FineTuneJob (spec or status), Event, Job,
   * Pod, the operator's log and /q/metrics, or any trainer's log or command line.
   */
  static void assertNoSecretLeaks(
      KubernetesClient client, SimulatedKubelet kubelet, OperatorProcess op, Path operatorLog)
      throws Exception {
    Map<String, String> places = new java.util.LinkedHashMap<>();
    var json = client.getKubernetesSerialization();
    places.put(
        "FineTuneJobs", json.asJson(client.resources(FineTuneJob.class).inNamespace(NS).list()));
    places.put("Events", json.asJson(client.v1().events().inNamespace(NS).list()));
    places.put("Jobs", json.asJson(client.batch().v1().jobs().inNamespace(NS).list()));
    places.put("Pods", json.asJson(client.pods().inNamespace(NS).list()));
    places.put("ConfigMaps", json.asJson(client.configMaps().inNamespace(NS).list()));
    places.put("operator log", Files.readString(operatorLog));
    places.put("operator /q/metrics", op.metrics());
    for (SimulatedKubelet.Run r : kubelet.runs().values()) {
      for (Path file : List.of(r.log(), r.stderr(), r.dir().resolve("command.txt"))) {
        if (Files.exists(file)) {
          places.put(file.toString(), Files.readString(file));
        }
      }
    }
    int scanned = 0;
    for (var e : places.entrySet()) {
      // The plain canaries and their base64 forms (SecretForms): a Secret's data is base64.
      var leak =
          SecretForms.leaked(e.getValue(), List.of(S3Server.SECRET_KEY, S3Server.ACCESS_KEY));
      assertTrue(
          leak.isEmpty(), "credential leaked into " + e.getKey() + " (" + leak.orElse("") + ")");
      scanned += e.getValue().length();
    }
    out(
        "secret_scan",
        places.size() + " places, " + scanned + " chars, 0 leaks (plain and" + " base64)");
  }

  /** Samples every 20 ms how many trainer processes of "storm" are alive at once. */
  static final class LiveTrainers implements AutoCloseable {
    private final AtomicInteger max = new AtomicInteger();
    private final Sampler sampler;

    LiveTrainers(SimulatedKubelet kubelet) {
      sampler =
          Sampler.every(
              java.time.Duration.ofMillis(20),
              "live-trainers",
              () -> {
                int alive =
                    (int)
                        kubelet.runs().values().stream()
                            .filter(r -> r.job().startsWith("storm-") && r.process().isAlive())
                            .count();
                max.accumulateAndGet(alive, Math::max);
              });
    }

    int max() {
      return max.get();
    }

    @Override
    public void close() throws InterruptedException {
      sampler.close();
    }
  }

  static Map<String, String> props() {
    return Map.of(
        "finetune.operator.trainer-image", "trainer:drill",
        "finetune.operator.backoff-base", "200ms",
        "finetune.operator.backoff-max", "1s",
        "finetune.operator.metrics-interval", "1s");
  }

  static void create(KubernetesClient client, S3Server s3, Path data, String name) {
    create(client, s3, data, NS, name, EPOCHS, KILLS + 2);
  }

  /** The drills' FineTuneJob: the tiny 3-class folder, 32 px, batch 8, checkpoint every epoch. */
  static void create(
      KubernetesClient client,
      S3Server s3,
      Path data,
      String ns,
      String name,
      int epochs,
      int backoffLimit) {
    FineTuneJob f = new FineTuneJob();
    f.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    FineTuneJobSpec spec = new FineTuneJobSpec();
    spec.dataset.train = data.resolve("train").toUri().toString();
    spec.dataset.test = data.resolve("test").toUri().toString();
    spec.transforms.train = new ImageTransformSpec();
    spec.transforms.train.randomResizedCrop = 32;
    spec.transforms.train.horizontalFlip = true;
    spec.transforms.test = new ImageTransformSpec();
    spec.transforms.test.resize = ResizeSpec.shorterSide(32);
    spec.training.epochs = epochs;
    spec.training.batchSize = 8;
    spec.training.learningRate = 0.01;
    spec.training.momentum = 0.9;
    spec.training.seed = 3L;
    spec.checkpoints = new CheckpointSpec();
    spec.checkpoints.uri = s3.uri("runs/" + name);
    spec.checkpoints.credentialsSecret = ns + "-s3";
    spec.resources.cpu = "1";
    spec.resources.memory = "1Gi";
    spec.backoffLimit = backoffLimit;
    f.setSpec(spec);
    client.resource(f).create();
  }

  static String phase(KubernetesClient client, String name) {
    FineTuneJob f = client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get();
    return f == null || f.getStatus() == null ? null : f.getStatus().phase;
  }

  /** Step of the newest checkpoint of "storm" with a manifest (-1 when none). */
  static long newestCheckpointStep(S3Server s3) {
    Pattern p = Pattern.compile("runs/storm/checkpoints/ckpt-(\\d+)/manifest.json");
    return s3.keys("runs/storm").stream()
        .map(p::matcher)
        .filter(Matcher::matches)
        .mapToLong(m -> Long.parseLong(m.group(1)))
        .max()
        .orElse(-1);
  }

  /** The step attempt {@code attempt} resumed from, from its log (0 for a fresh start). */
  static long resumedStep(Path stderr, int attempt) throws Exception {
    if (attempt == 1) {
      return 0;
    }
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(stderr)) {
        Matcher m = RESUMED.matcher(Files.readString(stderr));
        if (m.find()) {
          return Long.parseLong(m.group(1));
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("attempt " + attempt + " never said where it resumed: " + stderr);
  }

  /** finetune_global_step from the trainer's live /metrics. */
  static long step(int port) throws Exception {
    return (long) metric(port, "finetune_global_step");
  }

  /** The largest value of a metric on the trainer's live /metrics. */
  static double metric(int port, String name) throws Exception {
    String text =
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return text.lines()
        .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .max()
        .orElseThrow(() -> new AssertionError("no " + name + " in\n" + text));
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  /** Polls {@code done} every 50 ms for at most {@link #TIMEOUT}. */
  static void awaitUntil(Callable<Boolean> done, String what) {
    await(what).atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(done);
  }
}
