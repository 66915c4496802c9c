package dev.finetune.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.trainer.model.ResNet;
import dev.finetune.trainer.model.Weights;
import dev.finetune.trainer.serve.Classifier;
import dev.finetune.trainer.serve.InferenceServer;
import dev.finetune.trainer.serve.ModelFiles;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * {@code finetune serve}'s throughput and latency over HTTP on the CPU: a ResNet-18 with 10 classes
 * and the default test chain (resize 256, centerCrop 224), one client sending requests of BATCH
 * JPEGs (320 x 240) one after another. Also writes the JPEGs to IMAGES for the torchvision
 * reference (bench/serve/torch_serve_bench.py). One JSON line per batch size.
 *
 * <pre>
 *   ServeBench IMAGES REQUESTS BATCH...
 * </pre>
 */
public final class ServeBench {
  private ServeBench() {}

  public static void main(String[] args) throws Exception {
    Path images = Path.of(args[0]);
    int requests = Integer.parseInt(args[1]);
    List<Integer> batches = Arrays.stream(args).skip(2).map(Integer::parseInt).toList();
    List<byte[]> jpegs = jpegs(images, 16);
    ModelFiles files = model(10);
    try (Classifier classifier = Classifier.load(files, "bench");
        InferenceServer server =
            InferenceServer.start(
                classifier,
                "resnet18",
                new InferenceServer.Settings(
                    0,
                    64 << 20,
                    64,
                    100_000_000L,
                    8,
                    Duration.ofMillis(2),
                    64,
                    2,
                    Duration.ofSeconds(120)))) {
      HttpClient http = HttpClient.newHttpClient();
      URI infer = URI.create("http://127.0.0.1:" + server.port() + "/v2/models/bench/infer");
      for (int batch : batches) {
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          bodies.add(body(jpegs, i * batch, batch));
        }
        for (int i = 0; i < 5; i++) { // warm-up
          send(http, infer, bodies.get(i % bodies.size()));
        }
        long[] nanos = new long[requests];
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
          long t = System.nanoTime();
          send(http, infer, bodies.get(i % bodies.size()));
          nanos[i] = System.nanoTime() - t;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(nanos);
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"stack\": \"finetune-serve\", \"batch\":"
                    + " %d, \"requests\": %d, \"requests_per_s\": %.2f, \"images_per_s\": %.2f,"
                    + " \"p50_ms\": %.1f, \"p99_ms\": %.1f, \"threads\": \"%s\"}",
                batch,
                requests,
                requests / seconds,
                requests * batch / seconds,
                nanos[requests / 2] / 1e6,
                nanos[Math.min(requests - 1, (int) Math.ceil(requests * 0.99) - 1)] / 1e6,
                System.getProperty("ai.djl.pytorch.num_threads")));
      }
    }
  }

  private static void send(HttpClient http, URI uri, byte[] body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.statusCode() + ": " + r.body());
    }
  }

  private static byte[] body(List<byte[]> jpegs, int from, int count) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    ObjectNode input = root.putArray("inputs").addObject();
    input.put("name", "image").put("datatype", "BYTES").putArray("shape").add(count);
    var data = input.putArray("data");
    for (int i = 0; i < count; i++) {
      data.add(Base64.getEncoder().encodeToString(jpegs.get((from + i) % jpegs.size())));
    }
    return json.writeValueAsBytes(root);
  }

  /** A ResNet-18's final-model files (random weights: speed does not depend on them). */
  private static ModelFiles model(int classes) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode meta = json.createObjectNode();
    meta.put("job", "bench").put("architecture", "resnet18");
    var names = meta.putArray("classes");
    for (int c = 0; c < classes; c++) {
      names.add("class-" + c);
    }
    meta.putObject("transforms"); // the default test chain: resize 256, centerCrop 224
    ResNet net = new ResNet(Architecture.RESNET18, classes);
    try (Model model = Model.newInstance("bench", Device.cpu())) {
      model.setBlock(net);
      net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 224, 224));
      return new ModelFiles("memory:/", meta, Weights.encode(net));
    }
  }

  /** {@code count} 320 x 240 JPEGs (gradients and shapes), also written to {@code dir}. */
  private static List<byte[]> jpegs(Path dir, int count) throws Exception {
    Files.createDirectories(dir);
    Random random = new Random(7);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setPaint(
          new GradientPaint(
              0,
              0,
              new Color(random.nextInt(0xffffff)),
              320,
              240,
              new Color(random.nextInt(0xffffff))));
      g.fillRect(0, 0, 320, 240);
      g.setColor(new Color(random.nextInt(0xffffff)));
      g.fillOval(random.nextInt(200), random.nextInt(120), 120, 120);
      g.dispose();
      Path file = dir.resolve(String.format(Locale.ROOT, "img-%02d.jpg", i));
      ImageIO.write(img, "jpg", file.toFile());
      out.add(Files.readAllBytes(file));
    }
    return out;
  }
}
