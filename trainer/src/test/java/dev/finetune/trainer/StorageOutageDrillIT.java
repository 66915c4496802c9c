package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import dev.finetune.trainer.testing.JobYaml;
import dev.finetune.trainer.testing.TrainerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability drill: the S3 server (s3proxy) holding the checkpoints goes down mid-run for a few
 * seconds while the real CLI trains. The trainer must report the outage on /metrics ({@code
 * finetune_storage_unavailable} 1, then 0 after recovery; {@code finetune_storage_retries_total}
 * counting), finish the job, and leave no manifest that points at a missing or partial object.
 */
class StorageOutageDrillIT {
  private static final Duration OUTAGE = Duration.ofSeconds(4);

  @TempDir Path dir;

  @Test
  void outageIsReportedThenRecoveredAndNothingIsLost() throws Exception {
    Path data = SyntheticImageFolder.write(dir.resolve("data"), 16, 4, 32, 5);
    Path job =
        JobYaml.job("outage")
            .architecture("resnet18")
            .imageFolder(data)
            .transforms("randomResizedCrop: 32", "resize: 32")
            .epochs(3)
            .batchSize(8)
            .learningRate("0.01")
            .fields("training", "momentum: 0.9, seed: 1")
            .checkpoints("s3://drill/runs/outage")
            .fields("checkpoints", "everyEpochs: 1, keep: 3")
            .write(dir.resolve("job.yaml"));
    try (S3Server s3 = S3Server.start("drill")) {
      int port;
      try (ServerSocket free = new ServerSocket(0)) {
        port = free.getLocalPort();
      }
      Path log = dir.resolve("outage.log");
      Process p =
          TrainerProcess.start(
              log,
              s3.env(),
              "train",
              job.toString(),
              "--output",
              dir.resolve("out").toString(),
              "--metrics-port",
              Integer.toString(port),
              "--threads",
              "1",
              "--no-progress");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      HttpRequest scrape =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
              .timeout(Duration.ofSeconds(2))
              .build();

      // 1. Up and training: the gauge exists and reads 0.
      Map<String, Double> m =
          awaitMetrics(
              client, scrape, p, log, x -> x.getOrDefault("finetune_global_step", 0.0) >= 1);
      assertEquals(0.0, m.get("finetune_storage_unavailable"), m.toString());
      // 2. Down before the first checkpoint (step 6): the checkpoint upload fails and retries.
      s3.stop();
      long down = System.nanoTime();
      m =
          awaitMetrics(
              client,
              scrape,
              p,
              log,
              x -> x.getOrDefault("finetune_storage_unavailable", 0.0) == 1.0);
      double retriesDuring = m.get("finetune_storage_retries_total");
      assertTrue(retriesDuring >= 1, m.toString());
      long remaining = OUTAGE.toNanos() - (System.nanoTime() - down);
      if (remaining > 0) {
        Thread.sleep(remaining / 1_000_000);
      }
      s3.restart();
      long up = System.nanoTime();
      // 3. Back: the next retry succeeds and the gauge returns to 0.
      m =
          awaitMetrics(
              client,
              scrape,
              p,
              log,
              x -> x.getOrDefault("finetune_storage_unavailable", 1.0) == 0.0);
      double recoverySeconds = (System.nanoTime() - up) / 1e9;
      double retries = m.get("finetune_storage_retries_total");
      assertEquals(0, TrainerProcess.await(p, 300), Files.readString(log));

      JsonNode result = new ObjectMapper().readTree(dir.resolve("out/result.json").toFile());
      assertEquals(3, result.at("/finetune/epochs").size(), result.toString());
      int manifests = assertEveryManifestIsComplete(s3);
      assertTrue(manifests >= 3, "checkpoints and final model: " + manifests);
      System.out.printf(
          Locale.ROOT,
          "DRILL storage: outages=1 outageS=%.1f retries=%d"
              + " recoveryAfterRestartS=%.1f gauge=1->0 jobSucceeded=true manifestsChecked=%d"
              + " partialUploads=0%n",
          (up - down) / 1e9,
          (long) retries,
          recoverySeconds,
          manifests);
    }
  }

  /** Every manifest.json in the bucket lists objects that exist with its size and sha256. */
  private static int assertEveryManifestIsComplete(S3Server s3) throws Exception {
    int count = 0;
    try (ObjectStore store = ObjectStores.open(s3.uri("runs/outage"), s3.env())) {
      List<String> keys = store.list("");
      for (String key : keys) {
        if (!key.endsWith("manifest.json")) {
          continue;
        }
        count++;
        String folder = key.substring(0, key.length() - "manifest.json".length());
        JsonNode manifest = new ObjectMapper().readTree(store.read(key).orElseThrow());
        assertTrue(manifest.get("files").size() > 0, key);
        for (JsonNode f : manifest.get("files")) {
          Optional<byte[]> bytes = store.read(folder + f.get("name").asText());
          assertTrue(bytes.isPresent(), key + " lists a missing " + f);
          assertEquals(f.get("size").asLong(), bytes.get().length, key + ": " + f);
          assertEquals(
              f.get("sha256").asText(),
              HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.get())),
              key + ": " + f);
        }
      }
    }
    return count;
  }

  private static Map<String, Double> awaitMetrics(
      HttpClient client,
      HttpRequest scrape,
      Process p,
      Path log,
      java.util.function.Predicate<Map<String, Double>> until)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("trainer exited " + p.exitValue() + "\n" + Files.readString(log));
      }
      try {
        Map<String, Double> m = new java.util.HashMap<>();
        for (String line :
            client.send(scrape, HttpResponse.BodyHandlers.ofString()).body().split("\n")) {
          if (line.startsWith("#") || line.isBlank() || line.contains("run=\"baseline\"")) {
            continue;
          }
          int brace = line.indexOf('{');
          String name = brace < 0 ? line.substring(0, line.indexOf(' ')) : line.substring(0, brace);
          m.put(name, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
        if (until.test(m)) {
          return m;
        }
      } catch (IOException notYetListening) {
        // the endpoint starts once the data is loaded
      }
      Thread.sleep(20);
    }
    throw new AssertionError("condition not reached\n" + Files.readString(log));
  }
}
