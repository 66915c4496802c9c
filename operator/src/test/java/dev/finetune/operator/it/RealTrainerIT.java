package dev.finetune.operator.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.BaselineSpec;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.FromScratchSpec;
import dev.finetune.api.v1alpha1.spec.PretrainedSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.sim.SimulatedKubelet;
import dev.finetune.operator.status.StatusBuilder;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator against the mock API server with a {@link SimulatedKubelet} that runs the real
 * trainer (child JVMs) on a tiny 3-class ImageFolder (file://), with checkpoints and models in a
 * real S3 API (s3proxy). Each trainer run is small: 32 px, batch 8, 1 thread, 2-3 epochs.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealTrainerIT {
  static final String NS = "sim";
  static final String SECRET = "sim-s3";
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
  static final ObjectMapper JSON = new ObjectMapper();

  static Path dir;
  static Path data;
  static Path dataMissingClass;
  static S3Server s3;
  static SimulatedKubelet kubelet;

  @Inject KubernetesClient client;

  @BeforeEach
  void cluster() throws IOException {
    if (s3 == null) {
      dir = Files.createTempDirectory("real-trainer-it-");
      data = SyntheticImageFolder.write(dir.resolve("data"), 12, 4, 32, 7);
      dataMissingClass = SyntheticImageFolder.write(dir.resolve("data-missing"), 12, 4, 32, 7);
      try (Stream<Path> w = Files.walk(dataMissingClass.resolve("test/stripe"))) {
        w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      s3 = S3Server.start("finetune");
      kubelet = new SimulatedKubelet(client, NS, Files.createDirectories(dir.resolve("nodes")));
    }
    client
        .secrets()
        .inNamespace(NS)
        .resource(Fixtures.s3Secret(SECRET, NS, s3))
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  @AfterAll
  static void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  FineTuneJob create(String name, Path dataset, Consumer<FineTuneJobSpec> edit) {
    FineTuneJob f = Fixtures.trainerRun(name, NS, dataset, s3.uri("runs/" + name), SECRET);
    edit.accept(f.getSpec());
    return client.resource(f).create();
  }

  FineTuneJob get(String name) {
    return client.resources(FineTuneJob.class).inNamespace(NS).withName(name).get();
  }

  /** Waits for a status, recording every status seen on the way (polled every 100 ms). */
  FineTuneJobStatus awaitStatus(
      String name, Predicate<FineTuneJobStatus> ok, List<FineTuneJobStatus> seen) {
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              kubelet.check();
              FineTuneJob f = get(name);
              if (f == null || f.getStatus() == null) {
                return false;
              }
              seen.add(f.getStatus());
              return ok.test(f.getStatus());
            });
    return get(name).getStatus();
  }

  static Predicate<FineTuneJobStatus> phase(String phase) {
    return s -> phase.equals(s.phase);
  }

  List<Job> jobsOf(String ftj) {
    return client.batch().v1().jobs().inNamespace(NS).withLabel(Labels.JOB, ftj).list().getItems();
  }

  JsonNode result(String job) throws IOException {
    return JSON.readTree(kubelet.run(job).output().resolve("result.json").toFile());
  }

  @AfterEach
  void dump(TestInfo info) {
    for (FineTuneJob f : client.resources(FineTuneJob.class).inNamespace(NS).list().getItems()) {
      System.out.println(
          "["
              + info.getDisplayName()
              + "] "
              + f.getMetadata().getName()
              + " status: "
              + client.getKubernetesSerialization().asJson(f.getStatus()));
    }
    kubelet
        .runs()
        .values()
        .forEach(
            r ->
                System.out.println(
                    "[" + info.getDisplayName() + "] " + r.job() + " trainer output: " + r.dir()));
  }

  @Test
  @Order(1)
  void runsTheRealTrainerToSuccessAndTheStatusEqualsItsResult() throws IOException {
    create(
        "ok",
        data,
        s -> {
          s.baseline = new BaselineSpec();
          s.baseline.fromScratch = new FromScratchSpec();
          s.baseline.fromScratch.epochs = 1;
          s.baseline.fromScratch.learningRate = 0.01;
        });
    List<FineTuneJobStatus> seen = new CopyOnWriteArrayList<>();
    FineTuneJobStatus s = awaitStatus("ok", phase("Succeeded"), seen);

    assertTrue(seen.stream().anyMatch(st -> "Pending".equals(st.phase)), "Pending first");
    assertEquals(2, s.progress.totalEpochs);
    JsonNode finished = result("ok-attempt-1");
    ResultAssertions.assertFinishedStatusEqualsResult(s, finished);
    assertNotNull(s.baseline.testAccuracy, "baseline test accuracy");
    System.out.println(
        "FINISHED STATUS ok: " + client.getKubernetesSerialization().asYaml(get("ok")));

    assertEquals(s3.uri("runs/ok/model/model.safetensors"), s.finalModelUri);
    assertTrue(Files.isRegularFile(s3.file(s.finalModelUri)), "model in S3: " + s3.keys("runs"));
    assertTrue(
        Files.isRegularFile(s3.file(s.modelCardUri)), "model card in S3: " + s3.keys("runs"));
    List<String> keys = s3.keys("runs/ok");
    assertTrue(
        keys.stream().anyMatch(k -> k.matches("runs/ok/checkpoints/ckpt-\\d+/manifest.json")),
        keys.toString());
    assertTrue(keys.contains("runs/ok/baseline/model/model.safetensors"), keys.toString());

    JsonNode result = result("ok-attempt-1");
    assertEquals("scratch", result.at("/baseline/initialization").asText());
    assertEquals(s.finalModelUri, result.at("/finetune/modelUri").asText());
    assertEquals(1, jobsOf("ok").size());
    assertEquals(0, s.restarts == null ? 0 : s.restarts);

    // status.latestCheckpoint: an existing manifest after the end. (While running it is read
    // only in reconciles, every 30 s without events: this 2-epoch run may end before one; the
    // corrupt-checkpoint test below sees it while attempt 2 runs.)
    assertNotNull(s.latestCheckpoint, "latestCheckpoint after the run");
    assertTrue(
        Files.isRegularFile(s3.file(s.latestCheckpoint.uri + "/manifest.json")),
        s.latestCheckpoint.uri + " in " + keys);
    JsonNode manifest = JSON.readTree(s3.file(s.latestCheckpoint.uri + "/manifest.json").toFile());
    assertEquals(manifest.get("step").asLong(), s.latestCheckpoint.step);
    assertEquals(2, s.latestCheckpoint.epoch, "the last epoch's checkpoint after the end");
    assertEquals(manifest.get("time").asText(), s.latestCheckpoint.time);
    assertEquals("True", StatusBuilder.condition(s, "StorageReachable").orElseThrow().getStatus());
    // Lineage of a from-scratch run: no source, the dataset digest.
    assertNotNull(s.lineage, "lineage from model/manifest.json");
    assertEquals(null, s.lineage.sourceModelSha256);
    assertTrue(s.lineage.datasetDigest.matches("sha256:[0-9a-f]{64}"), s.lineage.datasetDigest);
  }

  @Test
  @Order(2)
  void sigkillAfterTheFirstCheckpointResumesInTheNextAttempt() throws Exception {
    create("resume", data, s -> s.training.epochs = 3);
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                s3.keys("runs/resume/checkpoints").stream()
                    .anyMatch(k -> k.endsWith("/manifest.json")));
    kubelet.kill("resume-attempt-1");

    List<FineTuneJobStatus> seen = new CopyOnWriteArrayList<>();
    FineTuneJobStatus s = awaitStatus("resume", phase("Succeeded"), seen);
    assertEquals(1, s.restarts);
    assertEquals(2, s.attempts);
    assertEquals(137, kubelet.run("resume-attempt-1").process().exitValue());
    JsonNode result = result("resume-attempt-2");
    assertTrue(result.at("/finetune/resumedFromStep").asLong() > 0, result.toString());
    assertTrue(
        Files.readString(kubelet.run("resume-attempt-2").stderr())
            .contains("resuming from the newest valid checkpoint"),
        "trainer log says it resumes");
    assertEquals(2, jobsOf("resume").size());
  }

  @Test
  @Order(3)
  void aMissingTestClassFailsPermanentlyWithTheTrainersMessage() {
    create("missing", dataMissingClass, s -> {});
    FineTuneJobStatus s = awaitStatus("missing", phase("Failed"), new CopyOnWriteArrayList<>());
    var failed = StatusBuilder.condition(s, "Failed").orElseThrow();
    assertEquals("PermanentFailure", failed.getReason());
    assertEquals(5, s.lastExitCode, failed.getMessage());
    assertTrue(failed.getMessage().contains("exited with code 5"), failed.getMessage());
    assertTrue(
        failed
            .getMessage()
            .contains("different class folders: only in spec.dataset.train" + " [stripe]"),
        failed.getMessage());
    assertEquals(1, jobsOf("missing").size(), "no retry after a permanent failure");
  }

  @Test
  @Order(4)
  void fromJobChainsTheSourceModel() throws IOException {
    FineTuneJob source = get("ok");
    assertNotNull(source, "runs after the first test");
    create(
        "tuned",
        data,
        s -> {
          s.model.pretrained = new PretrainedSpec();
          s.model.pretrained.fromJob = "ok";
        });
    FineTuneJobStatus s = awaitStatus("tuned", phase("Succeeded"), new CopyOnWriteArrayList<>());
    Job job = jobsOf("tuned").get(0);
    List<String> args = job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
    int i = args.indexOf("--from-job");
    assertTrue(i >= 0, args.toString());
    assertEquals("ok=" + source.getStatus().finalModelUri, args.get(i + 1));
    JsonNode result = result("tuned-attempt-1");
    ResultAssertions.assertFinishedStatusEqualsResult(s, result); // a job without a baseline
    assertTrue(
        result.at("/finetune/initialization").asText().contains(source.getStatus().finalModelUri),
        result.toString());
    assertTrue(Files.isRegularFile(s3.file(s.finalModelUri)));
    // Lineage: the sha256 of the source model's actual bytes in storage.
    assertEquals(source.getStatus().finalModelUri, s.lineage.sourceModelUri);
    assertEquals(sha256(s3.file(source.getStatus().finalModelUri)), s.lineage.sourceModelSha256);
    assertEquals(
        source.getStatus().lineage.datasetDigest, s.lineage.datasetDigest, "same dataset files");
  }

  static String sha256(Path file) throws IOException {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  List<io.fabric8.kubernetes.api.model.Event> events(String ftj, String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> ftj.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .toList();
  }

  List<String> manifests(String ftj) {
    return s3.keys("runs/" + ftj + "/checkpoints").stream()
        .filter(k -> k.endsWith("/manifest.json"))
        .toList();
  }

  @Test
  @Order(5)
  void aCorruptNewestCheckpointIsReportedOnceAndStatusFallsBack() throws Exception {
    create("corrupt", data, s -> s.training.epochs = 8);
    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> manifests("corrupt").size() >= 2);
    // The next attempt waits until the newest checkpoint is corrupt: otherwise its trainer could
    // write a newer one before the operator lists storage again, and there is nothing to report.
    kubelet.hold("corrupt-attempt-2");
    kubelet.kill("corrupt-attempt-1");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !kubelet.run("corrupt-attempt-1").process().isAlive());
    List<String> valid = manifests("corrupt");
    String newest = valid.get(valid.size() - 1).replace("/manifest.json", "");
    String older = valid.get(valid.size() - 2).replace("/manifest.json", "");
    String newestName = newest.substring(newest.lastIndexOf('/') + 1);
    Path weights = s3.root().resolve(newest + "/weights.safetensors");
    // Short (the manifest lists the full size), and in one step: written in place, a listing
    // between the truncation and the write would see 0 bytes. The temporary file lies outside
    // the S3 server's folder (same file system), so it is never an object or a bucket.
    Path shortFile = Files.createTempFile(s3.root().getParent().getParent(), "short", ".tmp");
    Files.write(shortFile, new byte[] {1, 2, 3});
    Files.move(
        shortFile,
        weights,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    await()
        .atMost(RUN_TIMEOUT)
        .until(
            () ->
                jobsOf("corrupt").stream()
                    .anyMatch(j -> j.getMetadata().getName().equals("corrupt-attempt-2")));
    Thread.sleep(1000); // past storage-interval: any listing from now on sees the short file
    kubelet.release("corrupt-attempt-2"); // the pod starts, the operator reconciles and lists

    await()
        .atMost(RUN_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !events("corrupt", "CheckpointInvalid").isEmpty());
    String message = events("corrupt", "CheckpointInvalid").get(0).getMessage();
    assertTrue(
        message.contains(newestName)
            && message.contains("weights.safetensors has 3 bytes")
            && message.contains("a resume will use " + s3.uri(older)),
        message);
    FineTuneJobStatus fallback =
        awaitStatus(
            "corrupt",
            st -> st.latestCheckpoint != null && st.latestCheckpoint.uri.equals(s3.uri(older)),
            new CopyOnWriteArrayList<>());
    assertNotNull(fallback.latestCheckpoint.step);

    FineTuneJobStatus s = awaitStatus("corrupt", phase("Succeeded"), new CopyOnWriteArrayList<>());
    assertEquals(
        1,
        events("corrupt", "CheckpointInvalid").size(),
        "reported once, though storage was listed many times");
    assertEquals(8, s.latestCheckpoint.epoch);
    assertTrue(
        Files.readString(kubelet.run("corrupt-attempt-2").stderr())
            .contains(newestName + " is invalid"),
        "the trainer fell back past it too");
  }

  @Test
  @Order(6)
  void anOutageSetsStorageReachableFalseAndItClearsWhenStorageAnswers() {
    create("outage", data, s -> s.training.epochs = 4);
    awaitStatus(
        "outage",
        st ->
            "Running".equals(st.phase)
                && StatusBuilder.condition(st, "StorageReachable")
                    .map(c -> "True".equals(c.getStatus()))
                    .orElse(false),
        new CopyOnWriteArrayList<>());
    s3.stop();
    FineTuneJobStatus down;
    try {
      down =
          awaitStatus(
              "outage",
              st ->
                  StatusBuilder.condition(st, "StorageReachable")
                      .map(c -> "False".equals(c.getStatus()))
                      .orElse(false),
              new CopyOnWriteArrayList<>());
    } finally {
      s3.restart();
    }
    var c = StatusBuilder.condition(down, "StorageReachable").orElseThrow();
    assertEquals("StorageUnreachable", c.getReason());
    assertTrue(
        c.getMessage().contains("cannot list " + s3.uri("runs/outage/checkpoints/")),
        c.getMessage());
    assertTrue(!c.getMessage().contains(S3Server.SECRET_KEY), "no credentials in the message");
    assertTrue(!"Failed".equals(down.phase), "a storage error never fails the job");
    awaitStatus(
        "outage",
        st ->
            StatusBuilder.condition(st, "StorageReachable")
                .map(x -> "True".equals(x.getStatus()))
                .orElse(false),
        new CopyOnWriteArrayList<>());
    FineTuneJobStatus s = awaitStatus("outage", phase("Succeeded"), new CopyOnWriteArrayList<>());
    assertEquals(4, s.latestCheckpoint.epoch);
  }

  @Test
  @Order(7)
  void ttlDeletesTheJobAndArtifactPolicyDeleteRemovesEveryObjectFirst() throws Exception {
    create(
        "doomed",
        data,
        s -> {
          s.training.epochs = 1;
          s.ttlSecondsAfterFinished = 3;
          s.artifactPolicy = dev.finetune.api.v1alpha1.spec.ArtifactPolicy.DELETE;
        });
    FineTuneJobStatus s = awaitStatus("doomed", phase("Succeeded"), new CopyOnWriteArrayList<>());
    java.time.Instant finished =
        java.time.Instant.parse(
            StatusBuilder.condition(s, "Succeeded").orElseThrow().getLastTransitionTime());
    assertTrue(
        get("doomed").getMetadata().getFinalizers().stream().anyMatch(f -> f.contains("finetune")),
        get("doomed").getMetadata().getFinalizers().toString());
    assertTrue(s3.keys("runs/doomed").contains("runs/doomed/model/manifest.json"));
    s3.stop(); // deletion must wait for storage, and say so
    try {
      Duration beforeTtl =
          Duration.between(java.time.Instant.now(), finished.plusSeconds(3).minusMillis(300));
      if (!beforeTtl.isNegative()) {
        Thread.sleep(beforeTtl.toMillis());
      }
      assertNotNull(get("doomed"), "never deleted before ttlSecondsAfterFinished");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !events("doomed", "ArtifactDeletionFailed").isEmpty());
      FineTuneJob waiting = get("doomed");
      assertNotNull(waiting, "the finalizer holds the job while storage is down");
      assertNotNull(waiting.getMetadata().getDeletionTimestamp());
    } finally {
      s3.restart();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> get("doomed") == null);
    assertEquals(List.of(), s3.keys("runs/doomed"), "checkpoints and model deleted");
    assertEquals(1, events("doomed", "ArtifactsDeleted").size());
  }

  @Test
  @Order(8)
  void retainKeepsTheObjectsWhenTheTtlDeletesTheJob() {
    create(
        "kept",
        data,
        s -> {
          s.training.epochs = 1;
          s.ttlSecondsAfterFinished = 0;
        });
    awaitStatus("kept", phase("Succeeded"), new CopyOnWriteArrayList<>());
    await().atMost(Duration.ofSeconds(30)).until(() -> get("kept") == null);
    List<String> keys = s3.keys("runs/kept");
    assertTrue(keys.contains("runs/kept/model/manifest.json"), keys.toString());
    assertTrue(
        keys.stream().anyMatch(k -> k.startsWith("runs/kept/checkpoints/")), keys.toString());
    assertEquals(List.of(), events("kept", "ArtifactsDeleted"));
  }

  @Test
  @Order(9)
  void preemptionsBeyondBackoffLimitResumeAndSucceed() throws Exception {
    create(
        "spot",
        data,
        s -> {
          s.training.epochs = 4;
          s.backoffLimit = 0; // one counted failure would fail the job
          s.checkpoints.keep = 20; // so the count below only grows
        });
    for (int attempt = 1; attempt <= 2; attempt++) {
      String job = "spot-attempt-" + attempt;
      int before = manifests("spot").size();
      await()
          .atMost(RUN_TIMEOUT)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> kubelet.run(job) != null && manifests("spot").size() > before);
      kubelet.deletePod(job); // as a preempted or drained node's pod: SIGTERM, then gone
      await().atMost(Duration.ofSeconds(60)).until(() -> !kubelet.run(job).process().isAlive());
      assertEquals(143, kubelet.run(job).process().exitValue());
    }
    FineTuneJobStatus s = awaitStatus("spot", phase("Succeeded"), new CopyOnWriteArrayList<>());
    assertEquals(2, s.preemptions);
    assertEquals(0, s.restarts);
    assertEquals(3, s.attempts);
    JsonNode result = result("spot-attempt-3");
    assertTrue(result.at("/finetune/resumedFromStep").asLong() > 0, result.toString());
    ResultAssertions.assertFinishedStatusEqualsResult(s, result);
  }

  /**
   * A real libtorch out-of-memory error (the trainer's address space capped, 1024 px images): the
   * trainer exits 128, the operator retries, and after spec.backoffLimit the job fails with the
   * trainer's one line.
   */
  @Test
  @Order(10)
  void aNativeOutOfMemoryIsRetried() {
    kubelet.capAddressSpace("oom-attempt-", 6L << 30);
    create(
        "oom",
        data,
        s -> {
          s.transforms.train.randomResizedCrop = 1024;
          s.transforms.test.resize = ResizeSpec.shorterSide(1024);
          s.training.batchSize = 16;
          s.resources.cpu = "1";
          s.backoffLimit = 1;
        });
    FineTuneJobStatus s = awaitStatus("oom", phase("Failed"), new CopyOnWriteArrayList<>());
    var failed = StatusBuilder.condition(s, "Failed").orElseThrow();
    assertEquals("BackoffLimitExceeded", failed.getReason(), failed.getMessage());
    assertEquals(2, s.restarts, "retried once, then over backoffLimit 1");
    assertEquals(128, s.lastExitCode);
    assertTrue(
        failed
            .getMessage()
            .contains("out of memory in libtorch: DefaultCPUAllocator:" + " can't allocate"),
        failed.getMessage());
    assertEquals(2, jobsOf("oom").size());
  }

  /**
   * The pod is gone when the Job succeeds (drained node, pod garbage collection): no termination
   * message to read. The finished status then comes from model/result.json in object storage
   * ({@code resultSource: ObjectStorage}), and every number still equals the trainer's own
   * result.json.
   */
  @Test
  @Order(11)
  void withThePodGoneTheFinalStatusComesFromObjectStorage() throws IOException {
    kubelet.podGoneOnExit("gone-attempt-1");
    create("gone", data, s -> {});
    FineTuneJobStatus s = awaitStatus("gone", phase("Succeeded"), new CopyOnWriteArrayList<>());
    assertEquals(dev.finetune.contract.FinalResult.SOURCE_OBJECT_STORAGE, s.resultSource);
    assertEquals(
        null,
        client.pods().inNamespace(NS).withName(kubelet.run("gone-attempt-1").pod()).get(),
        "the pod is gone");
    JsonNode result = result("gone-attempt-1");
    JsonNode stored = JSON.readTree(s3.file(s3.uri("runs/gone/model/result.json")).toFile());
    assertEquals(result, stored, "model/result.json is the trainer's result.json");
    ResultAssertions.assertRunEquals(s.metrics, result.get("finetune"));
    JsonNode epochs = result.at("/finetune/epochs");
    assertEquals(100, s.progress.percentage);
    assertEquals(epochs.get(epochs.size() - 1).get("step").asLong(), s.progress.step);
  }
}
