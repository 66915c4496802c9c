package dev.finetune.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.data.TestImages;
import dev.finetune.trainer.testing.JobYaml;
import dev.finetune.trainer.testing.TrainerProcess;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune train} then {@code finetune serve}, both as child processes as bin/finetune runs
 * them: the whole test split classified over HTTP scores exactly result.json's test accuracy;
 * hostile requests get a 4xx and one line, and the server keeps answering; SIGTERM stops it
 * cleanly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long MAX_PIXELS = 4_000_000;
  static final int MAX_BODY_MIB = 1;
  @TempDir static Path dir;
  static Path data;
  static Path out;
  static Process server;
  static Path serverLog;
  static String base;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void trainAndServe() throws Exception {
    data = SyntheticImageFolder.write(dir.resolve("data"), 10, 6, 32, 21);
    out = dir.resolve("out");
    // The test chain resizes and crops, so serving without the job's own chain would differ.
    Path job =
        JobYaml.job("shapes")
            .architecture("resnet18")
            .imageFolder(data)
            .transforms("randomResizedCrop: 28", "resize: 36, centerCrop: 28")
            .epochs(2)
            .batchSize(6)
            .learningRate("0.01")
            .write(dir.resolve("job.yaml"));
    int exit =
        TrainerProcess.await(
            TrainerProcess.start(
                dir.resolve("train.log"),
                "train",
                job.toString(),
                "--output",
                out.toString(),
                "--metrics-port",
                "-1",
                "--no-progress",
                "--threads",
                "1",
                "--cache-dir",
                dir.resolve("cache").toString()),
            300);
    assertEquals(0, exit, Files.readString(dir.resolve("train.log")));
    serverLog = dir.resolve("serve.log");
    server =
        TrainerProcess.start(
            serverLog,
            "serve",
            out.toString(),
            "--port",
            "0",
            "--threads",
            "1",
            "--max-batch",
            "4",
            "--batch-wait",
            "50",
            "--max-pixels",
            Long.toString(MAX_PIXELS),
            "--max-body",
            Integer.toString(MAX_BODY_MIB));
    base = "http://127.0.0.1:" + awaitPort() + "/v2/";
  }

  static int awaitPort() throws Exception {
    Pattern serving = Pattern.compile("serving model shapes .* on port (\\d+)");
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      String log = Files.exists(serverLog) ? Files.readString(serverLog) : "";
      Matcher m = serving.matcher(log);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!server.isAlive()) {
        throw new AssertionError("serve exited " + server.exitValue() + ": " + log);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("serve did not start: " + Files.readString(serverLog));
  }

  @AfterAll
  static void stop() {
    if (server != null && server.isAlive()) {
      server.destroyForcibly();
    }
  }

  @Test
  @Order(1)
  void healthAndMetadata() throws Exception {
    assertEquals(200, get("health/live").statusCode());
    assertEquals(200, get("health/ready").statusCode());
    assertEquals(200, get("models/shapes/ready").statusCode());
    HttpResponse<String> meta = get("models/shapes");
    assertEquals(200, meta.statusCode(), meta.body());
    JsonNode m = JSON.readTree(meta.body());
    assertEquals("shapes", m.get("name").asText());
    assertEquals("BYTES", m.at("/inputs/0/datatype").asText());
    assertEquals("labels", m.at("/outputs/0/name").asText());
    assertEquals(SyntheticImageFolder.CLASSES.size(), m.at("/outputs/0/shape/1").asInt());
  }

  /** Every test image over HTTP, concurrently, one per request: the evaluation's accuracy. */
  @Test
  @Order(2)
  void theTestSplitOverHttpScoresResultJsonsAccuracyExactly() throws Exception {
    List<Path> images = new ArrayList<>();
    try (Stream<Path> files = Files.walk(data.resolve("test"))) {
      files.filter(Files::isRegularFile).sorted().forEach(images::add);
    }
    assertEquals(18, images.size());
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<JsonNode>> answers = new ArrayList<>();
    for (Path image : images) {
      answers.add(
          pool.submit(
              () -> {
                HttpResponse<String> r = infer("shapes", request(Files.readAllBytes(image)));
                assertEquals(200, r.statusCode(), r.body());
                return JSON.readTree(r.body());
              }));
    }
    int correct = 0;
    List<String> single = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      JsonNode answer = answers.get(i).get();
      assertEquals("labels", answer.at("/outputs/0/name").asText());
      assertEquals("probabilities", answer.at("/outputs/1/name").asText());
      JsonNode probabilities = answer.at("/outputs/1/data");
      double sum = 0;
      for (int k = 0; k < probabilities.size(); k++) {
        sum += probabilities.get(k).asDouble();
        if (k > 0) {
          assertTrue(
              probabilities.get(k).asDouble() <= probabilities.get(k - 1).asDouble(),
              "best first: " + probabilities);
        }
      }
      assertEquals(1.0, sum, 1e-4);
      String best = answer.at("/outputs/0/data/0").asText();
      single.add(best);
      if (best.equals(images.get(i).getParent().getFileName().toString())) {
        correct++;
      }
    }
    pool.shutdown();
    JsonNode result = JSON.readTree(out.resolve("result.json").toFile());
    assertEquals(
        result.at("/finetune/testAccuracy").asDouble(),
        (double) correct / images.size(),
        "serve's accuracy must be the evaluation's; predictions: " + single);

    // The same images in one request (a batch larger than --max-batch runs whole): same answers.
    List<byte[]> all = new ArrayList<>();
    for (Path image : images) {
      all.add(Files.readAllBytes(image));
    }
    HttpResponse<String> r = infer("shapes", request(all.toArray(byte[][]::new)));
    assertEquals(200, r.statusCode(), r.body());
    JsonNode labels = JSON.readTree(r.body()).at("/outputs/0");
    assertEquals(images.size(), labels.at("/shape/0").asInt());
    int k = labels.at("/shape/1").asInt();
    for (int i = 0; i < images.size(); i++) {
      assertEquals(single.get(i), labels.get("data").get(i * k).asText(), "image " + i);
    }
  }

  @Test
  @Order(3)
  void hostileRequestsGetOneLine4xxAndTheServerLives() throws Exception {
    byte[] png = TestImages.encode(TestImages.rgb(8, 8, 1), "png");
    refused(
        400,
        "not a recognised image format",
        infer("shapes", request("hello, not an image".getBytes())));
    refused(400, "pixels", infer("shapes", request(headerBomb())));
    refused(400, "pixels", infer("shapes", request(compressedBomb())));
    refused(404, "unknown model", infer("nope", request(png)));
    refused(400, "not JSON", infer("shapes", "{\"inputs\": [".getBytes()));
    refused(
        400,
        "not base64",
        infer(
            "shapes",
            "{\"inputs\":[{\"name\":\"i\",\"shape\":[1],"
                + "\"datatype\":\"BYTES\",\"data\":[\"***\"]}]}"));
    ObjectNode wrongType = request(png);
    ((ObjectNode) wrongType.at("/inputs/0")).put("datatype", "FP32");
    refused(400, "datatype must be BYTES", infer("shapes", wrongType));
    ObjectNode wrongShape = request(png);
    ((ObjectNode) wrongShape.at("/inputs/0")).putArray("shape").add(1).add(3);
    refused(400, "shape", infer("shapes", wrongShape));
    ObjectNode countMismatch = request(png);
    ((ObjectNode) countMismatch.at("/inputs/0")).putArray("shape").add(2);
    refused(400, "holds 2 element(s) but data has 1", infer("shapes", countMismatch));
    ObjectNode twoInputs = request(png);
    ((com.fasterxml.jackson.databind.node.ArrayNode) twoInputs.get("inputs"))
        .add(twoInputs.at("/inputs/0").deepCopy());
    refused(400, "exactly one tensor", infer("shapes", twoInputs));
    refused(405, "not allowed", get("models/shapes/infer"));
    assertEquals(413, rawStatus("Content-Length: " + (8L << 30) + "\r\n", null));
    assertEquals(
        413, rawStatus("Transfer-Encoding: chunked\r\n", new byte[(MAX_BODY_MIB << 20) + 1]));
    HttpResponse<String> ok = infer("shapes", request(png));
    assertEquals(200, ok.statusCode(), "still serving: " + ok.body());
    assertTrue(server.isAlive());
  }

  @Test
  @Order(4)
  void metricsCountRequestsLatencyAndBatches() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base.replace("/v2/", "/metrics"))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    String text = r.body();
    assertTrue(text.contains("finetune_serve_requests_total{code=\"200\",model=\"shapes\"}"), text);
    assertTrue(text.contains("finetune_serve_requests_total{code=\"400\",model=\"shapes\"}"), text);
    assertTrue(text.contains("finetune_serve_request_seconds_bucket{model=\"shapes\",le="), text);
    Matcher images =
        Pattern.compile("finetune_serve_images_total\\{model=\"shapes\"} (\\S+)").matcher(text);
    assertTrue(images.find(), text);
    assertEquals(18 + 18 + 1, Double.parseDouble(images.group(1)), text);
    assertTrue(
        text.contains("finetune_serve_batch_images_bucket{model=\"shapes\",le=\"8.0\"}"), text);
  }

  @Test
  @Order(5)
  void sigtermFinishesTheRequestInFlightAndStopsWithoutWaitingTheWholeGrace() throws Exception {
    List<byte[]> all = new ArrayList<>();
    try (Stream<Path> files = Files.walk(data.resolve("test"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        all.add(Files.readAllBytes(f));
      }
    }
    var inFlight =
        HTTP.sendAsync(
            HttpRequest.newBuilder(URI.create(base + "models/shapes/infer"))
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        JSON.writeValueAsBytes(request(all.toArray(byte[][]::new)))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(20);
    long start = System.nanoTime();
    server.destroy(); // SIGTERM
    assertEquals(0, TrainerProcess.await(server, 60), Files.readString(serverLog));
    assertTrue(
        System.nanoTime() - start < 15_000_000_000L,
        "the grace period is 25 s; nothing" + " was left to wait for");
    assertEquals(200, inFlight.get().statusCode(), "a request in flight is answered");
    String log = Files.readString(serverLog);
    assertTrue(log.contains("stopped"), log);
    assertFalse(log.contains("\tat "), "no stack trace: " + log);
  }

  static void refused(int status, String text, HttpResponse<String> r) throws IOException {
    assertEquals(status, r.statusCode(), r.body());
    String error = JSON.readTree(r.body()).get("error").asText();
    assertTrue(error.contains(text), error);
    assertFalse(error.contains("\n"), "one line: " + error);
  }

  static ObjectNode request(byte[]... images) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode input = root.putArray("inputs").addObject();
    input.put("name", "image");
    input.putArray("shape").add(images.length);
    input.put("datatype", "BYTES");
    var data = input.putArray("data");
    for (byte[] image : images) {
      data.add(Base64.getEncoder().encodeToString(image));
    }
    return root;
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> infer(String model, Object body) throws Exception {
    byte[] bytes =
        body instanceof byte[] b
            ? b
            : body instanceof String s
                ? s.getBytes(StandardCharsets.UTF_8)
                : JSON.writeValueAsBytes(body);
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + "models/" + model + "/infer"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A 2 x 2 PNG whose header claims 20,000 x 20,000 pixels. */
  static byte[] headerBomb() {
    byte[] png = TestImages.encode(TestImages.rgb(2, 2, 1), "png");
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
    b.putInt(16, 20_000).putInt(20, 20_000);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, 12, 4 + 13);
    b.putInt(29, (int) crc.getValue());
    return png;
  }

  /** A real, valid PNG of a few KiB that decodes to 25 megapixels. */
  static byte[] compressedBomb() {
    byte[] png =
        TestImages.encode(new BufferedImage(5000, 5000, BufferedImage.TYPE_BYTE_BINARY), "png");
    assertTrue(png.length < 64 * 1024, png.length + " bytes");
    return png;
  }

  /** Sends a POST with {@code headers} (and {@code body} chunked) on a raw socket; the status. */
  static int rawStatus(String headers, byte[] body) throws Exception {
    URI uri = URI.create(base);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), uri.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream o = s.getOutputStream();
      o.write(
          ("POST /v2/models/shapes/infer HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      o.flush();
      if (body != null) {
        Thread writer =
            new Thread(
                () -> {
                  try {
                    for (int at = 0; at < body.length; at += 8192) {
                      int n = Math.min(8192, body.length - at);
                      o.write(
                          (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                      o.write(body, at, n);
                      o.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    o.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                  } catch (IOException e) {
                    // the server answered and closed early, as it should
                  }
                });
        writer.setDaemon(true);
        writer.start();
      }
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        line.append((char) c);
      }
      return Integer.parseInt(line.toString().split(" ")[1]);
    }
  }
}
