package dev.finetune.operator.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.sim.MockApiServer;
import dev.finetune.operator.sim.OperatorProcess;
import dev.finetune.operator.sim.SimulatedKubelet;
import dev.finetune.operator.status.StatusBuilder;
import dev.finetune.testsupport.S3Server;
import dev.finetune.testsupport.SyntheticImageFolder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drill 3 (object-store outage): the S3 server (s3proxy) stops answering for 30 s in the middle of
 * a run, and again for 30 s while a checkpoint is being uploaded (after its first object landed and
 * before its manifest). The packaged operator and the real trainer run throughout.
 *
 * <p>Asserted: the trainer rides both outages out with its retries (one attempt, no restart) and
 * the job succeeds; the operator shows {@code StorageReachable=False} during each outage and {@code
 * True} after it; the trainer's {@code finetune_storage_unavailable} gauge was 1 during the outage;
 * every manifest in the bucket lists only objects that exist with the listed sizes and sha256, and
 * there are exactly 4 (3 kept checkpoints and the final model).
 */
class StorageOutageDrillIT {
  static final String NS = "outage";
  static final String SECRET = "outage-s3";
  static final int OUTAGE_S = Integer.getInteger("drill.outage.seconds", 30);
  static final Duration TIMEOUT = Duration.ofMinutes(8);
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern CKPT = Pattern.compile("runs/outage/checkpoints/(ckpt-\\d+)/(.+)");

  static void out(String key, Object value) {
    System.out.println("DRILL outage " + key + " " + value);
  }

  @Test
  void twoThirtySecondOutagesLoseNothing(@TempDir Path tmp) throws Exception {
    Path data = SyntheticImageFolder.write(tmp.resolve("data"), 40, 4, 32, 7);
    Path log = tmp.resolve("operator.log");
    try (MockApiServer api = MockApiServer.start();
        S3Server s3 = S3Server.start("finetune")) {
      KubernetesClient client = api.client();
      client.secrets().inNamespace(NS).resource(Fixtures.s3Secret(SECRET, NS, s3)).create();
      try (SimulatedKubelet kubelet =
              new SimulatedKubelet(client, NS, Files.createDirectories(tmp.resolve("nodes")));
          OperatorProcess op =
              OperatorProcess.start(
                  api,
                  "256m",
                  Map.of(
                      "finetune.operator.trainer-image", "trainer:drill",
                      "finetune.operator.metrics-interval", "1s",
                      "finetune.operator.storage-interval", "1s",
                      "finetune.operator.storage-timeout", "2s"),
                  log)) {
        op.awaitReady(Duration.ofSeconds(120));
        KillStormDrillIT.create(client, s3, data, NS, "outage", 8, 1);
        String job = "outage-attempt-1";
        KillStormDrillIT.awaitUntil(
            () -> kubelet.run(job) != null && checkpoints(s3).size() >= 1, "a checkpoint");

        // Outage 1: mid-run.
        List<String> seen = new ArrayList<>();
        outage(s3, client, kubelet.run(job).metricsPort(), seen, "mid-run");

        // Outage 2: during a checkpoint upload (objects of a new checkpoint, no manifest yet).
        int before = checkpoints(s3).size();
        long t0 = System.nanoTime();
        while (!uploading(s3)) {
          assertTrue(System.nanoTime() - t0 < TIMEOUT.toNanos(), "no upload caught");
          assertTrue(kubelet.run(job).process().isAlive(), "trainer ended before upload 2");
          Thread.sleep(2);
        }
        outage(s3, client, kubelet.run(job).metricsPort(), seen, "mid-upload");
        out("checkpoints_before_upload_outage", before);

        KillStormDrillIT.awaitUntil(() -> "Succeeded".equals(phase(client)), "the job succeeds");
        FineTuneJob f =
            client.resources(FineTuneJob.class).inNamespace(NS).withName("outage").get();
        int manifests = verifyManifests(s3);
        out("faults", "2 outages of " + OUTAGE_S + " s");
        out("attempts", f.getStatus().attempts + " restarts=" + f.getStatus().restarts);
        out("manifests_verified", manifests);
        out("observed", seen);
        assertEquals(1, f.getStatus().attempts, "the trainer rode the outages out itself");
        assertEquals(0, kubelet.run(job).process().exitValue());
        assertEquals(
            "True",
            StatusBuilder.condition(f.getStatus(), "StorageReachable").orElseThrow().getStatus(),
            "storage condition cleared");
      }
    }
  }

  /** Stops S3 for OUTAGE_S seconds; requires the condition and the trainer gauge to show it. */
  static void outage(
      S3Server s3, KubernetesClient client, int trainerPort, List<String> seen, String when)
      throws Exception {
    s3.stop();
    long start = System.nanoTime();
    boolean condition = false;
    boolean gauge = false;
    while (System.nanoTime() - start < OUTAGE_S * 1_000_000_000L) {
      condition |= storageReachable(client).equals("False");
      gauge |= gauge(trainerPort) == 1.0;
      Thread.sleep(200);
    }
    s3.restart();
    out(
        "outage",
        when
            + ": StorageReachable=False seen "
            + condition
            + ", finetune_storage_unavailable=1 seen "
            + gauge);
    seen.add(when + " condition=" + condition + " gauge=" + gauge);
    assertTrue(condition, when + ": StorageReachable=False during the outage");
    assertTrue(gauge, when + ": the trainer's finetune_storage_unavailable was 1");
    KillStormDrillIT.awaitUntil(
        () -> storageReachable(client).equals("True"), when + ": condition clears");
  }

  static String storageReachable(KubernetesClient client) {
    FineTuneJob f = client.resources(FineTuneJob.class).inNamespace(NS).withName("outage").get();
    return f == null || f.getStatus() == null
        ? ""
        : StatusBuilder.condition(f.getStatus(), "StorageReachable")
            .map(c -> c.getStatus())
            .orElse("");
  }

  static double gauge(int port) {
    try {
      return KillStormDrillIT.metric(port, "finetune_storage_unavailable");
    } catch (Exception e) {
      return Double.NaN; // the trainer may be between steps or finishing
    }
  }

  static String phase(KubernetesClient client) {
    FineTuneJob f = client.resources(FineTuneJob.class).inNamespace(NS).withName("outage").get();
    return f == null || f.getStatus() == null ? null : f.getStatus().phase;
  }

  /** Checkpoint names with a manifest. */
  static List<String> checkpoints(S3Server s3) {
    return s3.keys("runs/outage/checkpoints").stream()
        .map(CKPT::matcher)
        .filter(Matcher::matches)
        .filter(m -> m.group(2).equals("manifest.json"))
        .map(m -> m.group(1))
        .toList();
  }

  /** A checkpoint has objects but no manifest yet. */
  static boolean uploading(S3Server s3) {
    var byCkpt = new java.util.HashMap<String, List<String>>();
    for (String k : s3.keys("runs/outage/checkpoints")) {
      Matcher m = CKPT.matcher(k);
      if (m.matches()) {
        byCkpt.computeIfAbsent(m.group(1), x -> new ArrayList<>()).add(m.group(2));
      }
    }
    return byCkpt.values().stream().anyMatch(files -> !files.contains("manifest.json"));
  }

  /**
   * Manifests the docs state: the newest {@code keep} (3, the default) checkpoints and the final
   * model's.
   */
  static final int EXPECTED_MANIFESTS =
      new dev.finetune.api.v1alpha1.spec.CheckpointSpec().keep + 1;

  /**
   * Every manifest's files exist with the listed size and sha256, and there are exactly {@link
   * #EXPECTED_MANIFESTS}; returns how many manifests.
   */
  static int verifyManifests(S3Server s3) throws Exception {
    int n = 0;
    for (String k : s3.keys("runs/outage")) {
      if (!k.endsWith("/manifest.json")) {
        continue;
      }
      Path manifest = s3.root().resolve(k);
      JsonNode m = JSON.readTree(manifest.toFile());
      for (JsonNode f : m.path("files")) {
        Path file = manifest.resolveSibling(f.path("name").asText());
        assertTrue(Files.isRegularFile(file), k + " lists a missing " + file);
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(f.path("size").asLong(), bytes.length, k + " size of " + file);
        assertEquals(
            f.path("sha256").asText(),
            java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)),
            k + " sha256 of " + file);
      }
      n++;
    }
    assertEquals(EXPECTED_MANIFESTS, n, "manifests in the bucket (keep checkpoints + the model)");
    return n;
  }
}
