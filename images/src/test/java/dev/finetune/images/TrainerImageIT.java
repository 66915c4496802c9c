package dev.finetune.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.TrainerHeap;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.act.SpecConfigMapResource;
import dev.finetune.operator.act.TrainerJobResource;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.testsupport.S3Server;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer image as a cluster runs it: the pod that the operator's own TrainerJobResource writes
 * (user 185, read-only root, the spec ConfigMap read-only at /etc/finetune, emptyDirs for /work and
 * /tmp, the S3 Secret by envFrom), run by podman on a network that reaches only the s3proxy server.
 * Smaller versions of deploy/examples/fashion-mnist (2 source classes of 50 images, 2 target
 * classes of 10, 32 px, fewer epochs): the source job reads Fashion-MNIST from S3, is preempted
 * (SIGTERM by {@code podman stop -t <grace>}), exits 143 with a checkpoint, and a second pod
 * resumes it; the 10-shot target job then fine-tunes the source's model from S3. Asserts the
 * result.json fields the jar-based tests assert.
 */
class TrainerImageIT {
  static final String NS = "images";
  static final KubernetesSerialization K8S = new KubernetesSerialization();
  static final String SECRET = "s3-credentials";
  static final String SOURCE_MODEL = "s3://finetune/runs/fmnist-source/model/model.safetensors";

  static Images images;
  static S3Server s3;
  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    Podman.require();
    FashionMnist.require();
    images = Images.build();
    s3 = S3Server.start("finetune", Podman.host(images.trainer()));
    // The dataset as objects in the bucket (the filesystem backend serves files as objects).
    FashionMnist.copyTo(s3.root().resolve("datasets/fmnist"));
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void sourcePreemptedAndResumedThenTargetFineTunes() throws Exception {
    OperatorConfig config = Fixtures.config(null, null, images.trainer(), "unused:gpu");
    FineTuneJob source =
        job(
            """
        metadata: {name: fmnist-source}
        spec:
          model: {architecture: resnet18}
          dataset:
            format: idx
            train: "s3://finetune/datasets/fmnist/train-images-idx3-ubyte.gz"
            test: "s3://finetune/datasets/fmnist/t10k-images-idx3-ubyte.gz"
            labelNames: [T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot]
            classes: [T-shirt/top, Trouser]
            limitPerClass: 50
          transforms:
            train: {resize: 32}
            test: {resize: 32}
            normalize: {mean: [0.286, 0.286, 0.286], std: [0.353, 0.353, 0.353]}
          training: {epochs: 3, evalEveryEpochs: 3, batchSize: 25, learningRate: 0.05, momentum: 0.9, seed: 0}
          checkpoints: {uri: "s3://finetune/runs/fmnist-source", everyEpochs: 1, keep: 2, credentialsSecret: s3-credentials}
          resources: {cpu: "2", memory: 3Gi}
        """);
    Job attempt1 = TrainerJobResource.desired(source, 1, config, null);
    JsonNode src;
    try (PodmanPod pod = start(source, attempt1, "source-1")) {
      awaitCheckpoint(pod, "runs/fmnist-source/checkpoints/");
      long before = System.nanoTime();
      int exit = pod.stop();
      long stopMs = (System.nanoTime() - before) / 1_000_000;
      String log = pod.logs();
      assertEquals(143, exit, "SIGTERM (podman stop) ends the trainer with 143\n" + log);
      assertTrue(log.contains("SIGTERM"), log);
      System.out.printf("IMAGE trainer: SIGTERM to exit 143 in %d ms%n", stopMs);
    }
    try (PodmanPod pod =
        start(source, TrainerJobResource.desired(source, 2, config, null), "source-2")) {
      assertEquals(0, pod.awaitExit(Duration.ofMinutes(15)), pod.logs());
      String log = pod.logs();
      assertTrue(log.contains("resuming from the newest valid checkpoint"), log);
      // the operator's young generation (JDK_JAVA_OPTIONS) and the image's ceiling, half of 3Gi
      assertTrue(
          log.contains(
              "JVM heap at most 1536 MiB, young generation "
                  + TrainerHeap.youngMiB(source.getSpec())
                  + " MiB"),
          log);
      src = result(pod);
    }
    System.out.println("IMAGE trainer: source result.json " + src);
    assertEquals(
        List.of("T-shirt/top", "Trouser"),
        new ObjectMapper().convertValue(src.get("classes"), List.class));
    assertEquals(100, src.get("trainImages").asInt());
    assertEquals(2000, src.get("testImages").asInt());
    assertEquals(3, src.at("/finetune/epochs").size(), "every epoch, across the preemption");
    assertTrue(src.at("/finetune/resumedFromStep").asLong() > 0, src.toString());
    double accuracy = src.at("/finetune/testAccuracy").asDouble(-1);
    assertTrue(accuracy >= 0 && accuracy <= 1, src.toString());
    // The resumed attempt lists the checkpoints it wrote itself: one per epoch end still ahead
    // of the step it resumed from (how far the first attempt got depends on when SIGTERM came).
    long lastStep = src.at("/finetune/epochs/2/step").asLong();
    long resumedFrom = src.at("/finetune/resumedFromStep").asLong();
    assertEquals(
        3 - resumedFrom / (lastStep / 3), src.at("/finetune/checkpoints").size(), src.toString());
    assertTrue(
        src.at("/finetune/checkpoints/" + (src.at("/finetune/checkpoints").size() - 1))
            .asText()
            .endsWith(String.format("ckpt-%012d", lastStep)),
        src.toString());
    assertEquals(SOURCE_MODEL, src.at("/finetune/modelUri").asText(), src.toString());
    assertTrue(Files.isRegularFile(s3.file(SOURCE_MODEL)), "model uploaded to S3");

    FineTuneJob target =
        job(
            """
        metadata: {name: fmnist-target}
        spec:
          model: {architecture: resnet18, pretrained: {fromJob: fmnist-source}}
          dataset:
            format: idx
            train: "s3://finetune/datasets/fmnist/train-images-idx3-ubyte.gz"
            test: "s3://finetune/datasets/fmnist/t10k-images-idx3-ubyte.gz"
            labelNames: [T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot]
            classes: [Sandal, Bag]
            limitPerClass: 10
          transforms:
            train: {resize: 32, horizontalFlip: true}
            test: {resize: 32}
            normalize: {mean: [0.286, 0.286, 0.286], std: [0.353, 0.353, 0.353]}
          training: {epochs: 3, evalEveryEpochs: 3, batchSize: 16, learningRate: 0.005,
                     headLearningRateMultiplier: 10, momentum: 0.9, freeze: [conv1, bn1, layer1, layer2]}
          baseline: {fromScratch: {learningRate: 0.05, epochs: 1}}
          checkpoints: {uri: "s3://finetune/runs/fmnist-target", credentialsSecret: s3-credentials}
          resources: {cpu: "2", memory: 3Gi}
        """);
    JsonNode tgt;
    try (PodmanPod pod =
        start(target, TrainerJobResource.desired(target, 1, config, SOURCE_MODEL), "target-1")) {
      assertEquals(0, pod.awaitExit(Duration.ofMinutes(15)), pod.logs());
      tgt = result(pod);
    }
    System.out.println("IMAGE trainer: target result.json " + tgt);
    assertEquals(20, tgt.get("trainImages").asInt(), "10 images per class");
    assertEquals(2000, tgt.get("testImages").asInt(), "all 2,000 matching test images");
    assertTrue(tgt.at("/finetune/initialization").asText().contains(SOURCE_MODEL), tgt.toString());
    assertEquals("scratch", tgt.at("/baseline/initialization").asText());
    assertTrue(tgt.has("accuracyGain"), tgt.toString());
    assertEquals(
        "s3://finetune/runs/fmnist-target/model/model.safetensors",
        tgt.at("/finetune/modelUri").asText());
    System.out.printf(
        "IMAGE trainer: source accuracy %.4f; target fine-tune %.4f, scratch %.4f%n",
        src.at("/finetune/testAccuracy").asDouble(),
        tgt.at("/finetune/testAccuracy").asDouble(),
        tgt.at("/baseline/testAccuracy").asDouble());
  }

  static FineTuneJob job(String yaml) {
    FineTuneJob f =
        K8S.unmarshal(
            "apiVersion: finetune.dev/v1alpha1\nkind: FineTuneJob\n" + yaml, FineTuneJob.class);
    f.getMetadata().setNamespace(NS);
    f.getMetadata().setUid("uid-" + f.getMetadata().getName());
    return f;
  }

  /** The pod of {@code job}, with the spec ConfigMap and the S3 Secret the operator would use. */
  static PodmanPod start(FineTuneJob ftj, Job job, String folder) {
    var cm = SpecConfigMapResource.desired(ftj);
    return PodmanPod.start(
        job,
        Map.of(cm.getMetadata().getName(), cm.getData()),
        Map.of(SECRET, s3.env()),
        dir.resolve(folder));
  }

  static void awaitCheckpoint(PodmanPod pod, String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
    while (s3.keys(prefix).stream().noneMatch(k -> k.endsWith("/manifest.json"))) {
      if (!pod.running()) {
        throw new AssertionError("trainer exited before its first checkpoint:\n" + pod.logs());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no checkpoint under " + prefix + "\n" + pod.logs());
      }
      Thread.sleep(500);
    }
  }

  /** result.json from the pod's /work emptyDir (--output /work/out). */
  static JsonNode result(PodmanPod pod) throws Exception {
    return new ObjectMapper().readTree(pod.volume("work").resolve("out/result.json").toFile());
  }
}
