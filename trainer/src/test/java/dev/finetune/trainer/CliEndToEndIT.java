package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import dev.finetune.trainer.testing.JobYaml;
import dev.finetune.trainer.testing.TrainerProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/finetune's Java entry point run as a child process, as in a pod: an ImageFolder zip served
 * over HTTP, then the same zip from a real S3 API server (s3proxy) with checkpoints and models
 * written to S3, a pretrained model imported over hf:// from a loopback hub, and a baseline.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliEndToEndIT {
  @TempDir static Path dir;
  static HttpServer http;
  static S3Server s3;
  static byte[] zip;

  @BeforeAll
  static void servers() throws IOException {
    Path data = SyntheticImageFolder.write(dir.resolve("gen/ds"), 16, 6, 32, 11);
    zip = zip(data.getParent());
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    Map<String, byte[]> files = new HashMap<>();
    files.put("/data/hotdog-like.zip", zip);
    http.createContext(
        "/",
        exchange -> {
          byte[] body = files.get(exchange.getRequestURI().getPath());
          if (body == null
              && exchange.getRequestURI().getPath().endsWith("/resolve/main/model.safetensors")) {
            body = Files.readAllBytes(dir.resolve("http/finetune/model.safetensors"));
          }
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    http.start();
    s3 = S3Server.start("finetune");
  }

  @AfterAll
  static void stop() {
    http.stop(0);
    s3.close();
  }

  @Test
  @Order(1)
  void imageFolderZipOverHttp() throws Exception {
    String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/data/hotdog-like.zip";
    Path job =
        manifest(
            JobYaml.job("http")
                .architecture("resnet18")
                .dataset(base + "#ds/train", base + "#ds/test")
                .transforms("randomResizedCrop: 32, horizontalFlip: true", "resize: 32")
                .epochs(3)
                .batchSize(8)
                .learningRate("0.01")
                .fields("training", "momentum: 0.9"));
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path log = dir.resolve("http.log");
    Process p =
        TrainerProcess.start(
            log,
            "train",
            job.toString(),
            "--output",
            dir.resolve("http").toString(),
            "--metrics-port",
            Integer.toString(port),
            "--no-progress",
            "--cache-dir",
            dir.resolve("cache").toString());
    // Scrape the trainer's real /metrics endpoint while it trains.
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    double maxStep = 0;
    String scrape = "";
    while (p.isAlive()) {
      try {
        String body =
            client
                .send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        for (String line : body.split("\n")) {
          if (line.startsWith("finetune_global_step{")
              && line.contains("job=\"http\"")
              && line.contains("namespace=\"local\"")
              && line.contains("run=\"finetune\"")) {
            double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (v > maxStep) {
              maxStep = v;
              scrape = body;
            }
          }
        }
      } catch (IOException notYetListening) {
        // the endpoint starts once the data is loaded
      }
      Thread.sleep(50);
    }
    assertEquals(0, p.exitValue(), Files.readString(log));
    assertTrue(maxStep > 0, "scraped finetune_global_step during training: " + scrape);
    assertTrue(scrape.contains("finetune_step_duration_seconds_bucket{"), scrape);
    JsonNode result = new ObjectMapper().readTree(dir.resolve("http/result.json").toFile());
    assertEquals(
        List.of("circle", "square", "stripe"),
        new ObjectMapper().convertValue(result.get("classes"), List.class));
    assertEquals(48, result.get("trainImages").asInt());
    assertEquals(3, result.at("/finetune/epochs").size());
    assertTrue(result.at("/finetune/testAccuracy").asDouble() >= 0);
    assertTrue(Files.isRegularFile(dir.resolve("http/finetune/model.safetensors")));
    assertTrue(result.at("/finetune/checkpoints").size() >= 2, result.toString());
  }

  @Test
  @Order(2)
  void datasetFromS3CheckpointsToS3PretrainedOverHfWithBaseline() throws Exception {
    try (ObjectStore bucket = ObjectStores.open(s3.uri(""), s3.env())) {
      bucket.put("datasets/ds.zip", zip);
    }
    Path job =
        manifest(
            JobYaml.job("s3job")
                .architecture("resnet18")
                .pretrained("hf://acme/tiny-resnet")
                .dataset(
                    "s3://finetune/datasets/ds.zip#ds/train",
                    "s3://finetune/datasets/ds.zip#ds/test")
                .transforms("randomResizedCrop: 32, horizontalFlip: true", "resize: 32")
                .epochs(2)
                .batchSize(8)
                .learningRate("0.005")
                .fields(
                    "training",
                    "headLearningRateMultiplier: 10, weightDecay: 1.0e-3, lossReduction: sum,"
                        + " freeze: [conv1, bn1, layer1]")
                .fields("baseline", "fromScratch: {learningRate: 0.01, epochs: 1}")
                .checkpoints("s3://finetune/runs/s3job")
                .fields("checkpoints", "everyEpochs: 1, keep: 1"));
    Map<String, String> env = new HashMap<>(s3.env());
    env.put("HF_ENDPOINT", "http://127.0.0.1:" + http.getAddress().getPort());
    JsonNode result = train(job, dir.resolve("s3out"), env);
    assertEquals(
        "pretrained:hf://acme/tiny-resnet", result.at("/finetune/initialization").asText());
    assertEquals("scratch", result.at("/baseline/initialization").asText());
    assertEquals(1, result.at("/baseline/epochs").size());
    assertTrue(result.has("accuracyGain"));
    assertEquals(
        "s3://finetune/runs/s3job/model/model.safetensors",
        result.at("/finetune/modelUri").asText());
    try (ObjectStore runs = ObjectStores.open(s3.uri("runs/s3job"), s3.env())) {
      List<String> keys = runs.list("");
      assertTrue(keys.contains("model/model.safetensors"), keys.toString());
      assertTrue(keys.contains("model/manifest.json"), keys.toString());
      assertTrue(keys.contains("baseline/model/model.safetensors"), keys.toString());
      long manifests =
          keys.stream()
              .filter(k -> k.startsWith("checkpoints/") && k.endsWith("manifest.json"))
              .count();
      assertEquals(1, manifests, "keep: 1 leaves one checkpoint: " + keys);
      // Lineage: the sha256 of the very bytes the hub served, and the dataset digest.
      JsonNode lineage =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(runs.read("model/manifest.json").orElseThrow())
              .at("/metadata/lineage");
      assertEquals("hf://acme/tiny-resnet", lineage.at("/sourceModelUri").asText());
      assertEquals(
          java.util.HexFormat.of()
              .formatHex(
                  java.security.MessageDigest.getInstance("SHA-256")
                      .digest(Files.readAllBytes(dir.resolve("http/finetune/model.safetensors")))),
          lineage.at("/sourceModelSha256").asText());
      assertTrue(
          lineage.at("/datasetDigest").asText().matches("sha256:[0-9a-f]{64}"), lineage.toString());
    }
  }

  @Test
  @Order(3)
  void badInputExitsWithPermanentCodeAndOneClearLine() throws Exception {
    Path job =
        manifest(
            JobYaml.job("bad")
                .architecture("resnet50")
                .dataset("file:///nope/train", "file:///nope/test"));
    Path log = dir.resolve("bad.log");
    int exit =
        TrainerProcess.await(
            TrainerProcess.start(log, "train", job.toString(), "--metrics-port", "-1"), 120);
    String out = Files.readString(log);
    assertEquals(3, exit, out);
    assertTrue(
        out.contains(
            "spec.model.architecture: invalid value 'resnet50'; allowed: one of"
                + " resnet18, resnet34"),
        out);
    assertFalse(out.contains("\tat "), "no stack trace for bad input: " + out);
  }

  @Test
  @Order(4)
  void allowlistRefusesAnUnlistedHostNamingTheField() throws Exception {
    String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/data/hotdog-like.zip";
    Path job =
        manifest(
            JobYaml.job("fenced")
                .architecture("resnet18")
                .dataset(url + "#ds/train", url + "#ds/test"));
    Path log = dir.resolve("fenced.log");
    int exit =
        TrainerProcess.await(
            TrainerProcess.start(
                log,
                Map.of("FINETUNE_ALLOWED_HOSTS", "huggingface.co,*.hf.co"),
                "train",
                job.toString(),
                "--metrics-port",
                "-1",
                "--output",
                dir.resolve("fenced").toString()),
            120);
    String out = Files.readString(log);
    assertEquals(4, exit, out);
    assertTrue(out.contains("spec.dataset.train: host '127.0.0.1' of " + url), out);
    assertTrue(out.contains("allowed hosts: [huggingface.co, *.hf.co]"), out);
    assertFalse(out.contains("\tat "), out);
  }

  private static JsonNode train(Path job, Path out, Map<String, String> env) throws Exception {
    Path log = dir.resolve(out.getFileName() + ".log");
    int exit =
        TrainerProcess.await(
            TrainerProcess.start(
                log,
                env,
                "train",
                job.toString(),
                "--output",
                out.toString(),
                "--metrics-port",
                "-1",
                "--no-progress",
                "--cache-dir",
                dir.resolve("cache").toString()),
            600);
    assertEquals(0, exit, Files.readString(log));
    return new ObjectMapper().readTree(out.resolve("result.json").toFile());
  }

  private static Path manifest(JobYaml job) {
    return job.write(dir.resolve(job.name() + ".yaml"));
  }

  private static byte[] zip(Path root) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes);
        Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        if (Files.isRegularFile(f)) {
          z.putNextEntry(new ZipEntry(root.relativize(f).toString().replace('\\', '/')));
          z.write(Files.readAllBytes(f));
          z.closeEntry();
        }
      }
    }
    return bytes.toByteArray();
  }
}
