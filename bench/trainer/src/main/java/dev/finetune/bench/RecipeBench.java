package dev.finetune.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.AutoRecipe.Candidate;
import dev.finetune.trainer.JobResult;
import dev.finetune.trainer.JobRunner;
import dev.finetune.trainer.OutputFolder;
import dev.finetune.trainer.TrainOptions;
import dev.finetune.trainer.data.fetch.UriPolicy;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.spec.JobLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The auto recipe against fixed recipes on Fashion-MNIST few-shot tasks (docs/BENCHMARKS.md, "The
 * auto recipe"), all in one JVM through {@link JobRunner}. For each class partition (six source
 * classes, four target classes) it trains a source model once, then for each seed and shot count
 * the twelve fixed candidates (freeze depth x head multiplier) and {@code recipe: auto} on the
 * target classes, appending one JSON line per run to the results file. A run already in the file is
 * skipped, so an interrupted bench continues where it stopped.
 *
 * <pre>
 *   RecipeBench OUT_DIR RESULTS.jsonl SEEDS SHOTS PARTITIONS RECIPES
 *   e.g. RecipeBench /tmp/rb bench/results/recipe.jsonl 0,1,2 10,50 1,2,3,4,5 fixed,auto
 * </pre>
 */
public final class RecipeBench {
  static final List<String> LABELS =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /** Target classes of each partition; the other six are the source model's. */
  static final List<List<String>> TARGETS =
      List.of(
          List.of("Sandal", "Sneaker", "Bag", "Ankle boot"),
          List.of("T-shirt/top", "Pullover", "Coat", "Shirt"),
          List.of("Trouser", "Dress", "Sneaker", "Bag"),
          List.of("T-shirt/top", "Sandal", "Shirt", "Ankle boot"),
          List.of("Pullover", "Dress", "Coat", "Sneaker"));

  static final String DATA = "/usr/share/datasets/fashion-mnist";
  static final int SIZE = 32;
  static final int EPOCHS = 30;

  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    Path results = Path.of(args[1]);
    List<Long> seeds = Stream.of(args[2].split(",")).map(Long::valueOf).toList();
    List<Integer> shots = Stream.of(args[3].split(",")).map(Integer::valueOf).toList();
    List<Integer> partitions = Stream.of(args[4].split(",")).map(Integer::valueOf).toList();
    Set<String> recipes = Set.of(args[5].split(","));
    Files.createDirectories(out);
    Set<String> done = done(results);
    for (long seed : seeds) {
      for (int shot : shots) {
        for (int p : partitions) {
          String source = source(out, p);
          List<String> names = new ArrayList<>();
          if (recipes.contains("fixed")) {
            AutoRecipe.candidates().forEach(c -> names.add(name(c)));
          }
          if (recipes.contains("auto")) {
            names.add("auto");
          }
          for (String recipe : names) {
            String key = p + "/" + shot + "/" + seed + "/" + recipe;
            if (done.contains(key)) {
              continue;
            }
            Path dir = out.resolve("run-" + (recipe.equals("auto") ? "auto" : "fixed"));
            deleteTree(dir);
            long start = System.nanoTime();
            JobResult r = run(dir, target(dir, p, shot, seed, recipe), Map.of("source", source));
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("partition", p);
            row.put("targets", TARGETS.get(p - 1));
            row.put("shots", shot);
            row.put("seed", seed);
            row.put("recipe", recipe);
            row.put("testAccuracy", r.finetune().testAccuracy());
            row.put("seconds", seconds);
            row.put("trainImages", r.trainImages());
            Path resultJson = dir.resolve("result.json");
            if (recipe.equals("auto") && Files.exists(resultJson)) {
              row.put("probe", JSON.readTree(resultJson.toFile()).get("recipe"));
            }
            Files.writeString(
                results,
                JSON.writeValueAsString(row) + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
            System.out.println(JSON.writeValueAsString(row));
            deleteTree(dir);
          }
        }
      }
    }
  }

  /** The partition's source model (trained once, kept in OUT_DIR/source-P). */
  static String source(Path out, int p) {
    Path dir = out.resolve("source-" + p);
    Path model = dir.resolve("finetune").resolve("model.safetensors");
    // A second bench process on the same OUT_DIR (-Drecipebench.waitForSources=true) waits for
    // the first one's source models instead of training its own.
    while (Boolean.getBoolean("recipebench.waitForSources")
        && !Files.exists(dir.resolve("result.json"))) {
      try {
        Thread.sleep(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    if (!Files.exists(dir.resolve("result.json"))) {
      deleteTree(dir);
      List<String> classes = LABELS.stream().filter(l -> !TARGETS.get(p - 1).contains(l)).toList();
      String yaml =
          """
          apiVersion: finetune.dev/v1alpha1
          kind: FineTuneJob
          metadata: {name: source}
          spec:
            model: {architecture: resnet18}
            dataset:
              format: idx
              train: "file://%1$s/train-images-idx3-ubyte.gz"
              test: "file://%1$s/t10k-images-idx3-ubyte.gz"
              labelNames: %2$s
              classes: %3$s
              limitPerClass: 1000
            transforms:
              train: {resize: %4$d}
              test: {resize: %4$d}
              normalize: {mean: [0.286, 0.286, 0.286], std: [0.353, 0.353, 0.353]}
            training: {epochs: 3, evalEveryEpochs: 3, batchSize: 64, learningRate: 0.05,
              momentum: 0.9, seed: 0}
            checkpoints: {uri: "file://%5$s", everyEpochs: 3, keep: 1}
          """
              .formatted(
                  DATA, flow(LABELS), flow(classes), SIZE, dir.resolve("ckpt").toAbsolutePath());
      run(dir, yaml, Map.of());
    }
    return "file://" + model.toAbsolutePath();
  }

  static String target(Path dir, int p, int shots, long seed, String recipe) {
    String training;
    if (recipe.equals("auto")) {
      training = "recipe: auto";
    } else {
      Candidate c =
          AutoRecipe.candidates().stream()
              .filter(x -> name(x).equals(recipe))
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException("unknown recipe " + recipe));
      training =
          "headLearningRateMultiplier: "
              + (long) c.headMultiplier()
              + ", freeze: "
              + flow(c.freeze());
    }
    return """
        apiVersion: finetune.dev/v1alpha1
        kind: FineTuneJob
        metadata: {name: target}
        spec:
          model: {architecture: resnet18, pretrained: {fromJob: source}}
          dataset:
            format: idx
            train: "file://%1$s/train-images-idx3-ubyte.gz"
            test: "file://%1$s/t10k-images-idx3-ubyte.gz"
            labelNames: %2$s
            classes: %3$s
            limitPerClass: %4$d
          transforms:
            train: {resize: %5$d, horizontalFlip: true}
            test: {resize: %5$d}
            normalize: {mean: [0.286, 0.286, 0.286], std: [0.353, 0.353, 0.353]}
          training: {epochs: %6$d, evalEveryEpochs: %6$d, batchSize: 16, learningRate: 0.005,
            momentum: 0.9, seed: %7$d, %8$s}
          checkpoints: {uri: "file://%9$s", everyEpochs: %6$d, keep: 1}
        """
        .formatted(
            DATA,
            flow(LABELS),
            flow(TARGETS.get(p - 1)),
            shots,
            SIZE,
            EPOCHS,
            seed,
            training,
            dir.resolve("ckpt").toAbsolutePath());
  }

  /** The results file's name of a candidate: "none-x10", "layer2-x1". */
  static String name(Candidate c) {
    return c.depth() + "-x" + (long) c.headMultiplier();
  }

  static JobResult run(Path dir, String yaml, Map<String, String> fromJobs) {
    FineTuneJob job = JobLoader.parse(yaml, "bench");
    int cpus = Runtime.getRuntime().availableProcessors();
    TrainOptions options =
        new TrainOptions(
            dir,
            "bench",
            Path.of(System.getProperty("user.home"), ".cache", "finetune"),
            fromJobs,
            -1,
            cpus,
            cpus,
            1,
            Duration.ofSeconds(30),
            false,
            System.getenv(),
            UriPolicy.OPEN);
    OutputFolder folder = new OutputFolder(dir);
    return folder.run(() -> new JobRunner(options, new StopSignal(), folder).run(job));
  }

  static String flow(List<String> values) {
    return values.stream().map(v -> "\"" + v + "\"").toList().toString();
  }

  static Set<String> done(Path results) throws IOException {
    Set<String> done = new HashSet<>();
    if (Files.exists(results)) {
      for (String line : Files.readAllLines(results)) {
        if (!line.isBlank()) {
          var n = JSON.readTree(line);
          done.add(
              n.get("partition").asInt()
                  + "/"
                  + n.get("shots").asInt()
                  + "/"
                  + n.get("seed").asLong()
                  + "/"
                  + n.get("recipe").asText());
        }
      }
    }
    return done;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
