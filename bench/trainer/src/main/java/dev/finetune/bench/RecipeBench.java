package dev.finetune.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.AutoRecipe.Candidate;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.JobResult;
import dev.finetune.trainer.JobRunner;
import dev.finetune.trainer.OutputFolder;
import dev.finetune.trainer.TrainOptions;
import dev.finetune.trainer.data.fetch.UriPolicy;
import dev.finetune.trainer.error.TrainerException;
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
 * The auto recipe against fixed recipes on few-shot tasks from packaged data (Fashion-MNIST, or
 * scikit-learn's digits; docs/BENCHMARKS.md, "Measured: the auto recipe"), all in one JVM through
 * {@link JobRunner}. For each class partition (six source classes, four target classes) it trains a
 * source model once, then for each seed and shot count the twelve fixed candidates (freeze depth x
 * head multiplier) and {@code recipe: auto} on the target classes, appending one JSON line per run
 * to the results file. A run already in the file is skipped, so an interrupted bench continues
 * where it stopped.
 *
 * <pre>
 *   RecipeBench OUT_DIR RESULTS.jsonl SEEDS SHOTS PARTITIONS RECIPES [DATASET]
 *   e.g. RecipeBench /tmp/rb bench/results/recipe.jsonl 0,1,2 10,50 1,2,3,4,5 fixed,auto
 *        RecipeBench /tmp/rb bench/results/recipe.jsonl 0,1,2 10,50 1,2,3,4,5 fixed,auto \
 *            digits=/tmp/digits
 * </pre>
 */
public final class RecipeBench {
  /**
   * One packaged dataset the bench runs on: its IDX folder, class names (IDX labels 0..n-1), the
   * target classes of each partition (the others are the source model's), the training split's
   * normalisation, the source model's images per class and epochs, and whether a horizontal flip
   * keeps a class (a shirt yes, a digit no).
   */
  record Data(
      String name,
      String dir,
      List<String> labels,
      List<List<String>> targets,
      double mean,
      double std,
      int sourcePerClass,
      int sourceEpochs,
      boolean flip) {}

  static final Data FASHION_MNIST =
      new Data(
          "fashion-mnist",
          "/usr/share/datasets/fashion-mnist",
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
              "Ankle boot"),
          List.of(
              List.of("Sandal", "Sneaker", "Bag", "Ankle boot"),
              List.of("T-shirt/top", "Pullover", "Coat", "Shirt"),
              List.of("Trouser", "Dress", "Sneaker", "Bag"),
              List.of("T-shirt/top", "Sandal", "Shirt", "Ankle boot"),
              List.of("Pullover", "Dress", "Coat", "Sneaker")),
          0.286,
          0.353,
          1000,
          3,
          true);

  /**
   * scikit-learn's 8x8 digits as IDX (bench/trainer/digits_idx.py: 100 training images per class,
   * 74-83 test images). 600 source images, so 30 source epochs give about the source steps of
   * Fashion-MNIST's 3 epochs over 6,000. The partitions were fixed before any run.
   */
  static Data digits(String dir) {
    return new Data(
        "digits",
        dir,
        List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
        List.of(
            List.of("6", "7", "8", "9"),
            List.of("0", "1", "2", "3"),
            List.of("1", "4", "7", "9"),
            List.of("3", "5", "8", "9"),
            List.of("0", "2", "4", "6")),
        0.306,
        0.376,
        100,
        30,
        false);
  }

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
    Data data = args.length > 6 ? data(args[6]) : FASHION_MNIST;
    Files.createDirectories(out);
    Set<String> done = done(results);
    for (int p : partitions) {
      source(out, data, p); // every source model first, so a second process can start at once
    }
    for (long seed : seeds) {
      for (int shot : shots) {
        for (int p : partitions) {
          String source = source(out, data, p);
          List<String> names = new ArrayList<>();
          if (recipes.contains("fixed")) {
            AutoRecipe.candidates().forEach(c -> names.add(name(c)));
          }
          if (recipes.contains("auto")) {
            names.add("auto");
          }
          for (String recipe : names) {
            String key = data.name() + "/" + p + "/" + shot + "/" + seed + "/" + recipe;
            if (done.contains(key)) {
              continue;
            }
            // One folder per run, so two bench processes can share OUT_DIR.
            Path dir = out.resolve("run-" + key.replace('/', '-'));
            deleteTree(dir);
            long start = System.nanoTime();
            JobResult r;
            String refused = null;
            try {
              r = run(dir, target(dir, data, p, shot, seed, recipe), Map.of("source", source));
            } catch (TrainerException e) {
              if (!recipe.equals("auto") || e.exitCode() != ExitCode.INVALID_SPEC) {
                throw e;
              }
              // auto refuses a run too short for its probe: that is a result, not a crash
              r = null;
              refused = e.getMessage();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> row = new LinkedHashMap<>();
            if (data != FASHION_MNIST) {
              row.put("dataset", data.name());
            }
            row.put("partition", p);
            row.put("targets", data.targets().get(p - 1));
            row.put("shots", shot);
            row.put("seed", seed);
            row.put("recipe", recipe);
            row.put("testAccuracy", r == null ? null : r.finetune().testAccuracy());
            row.put("seconds", seconds);
            if (r != null) {
              row.put("trainImages", r.trainImages());
            } else {
              row.put("refused", refused);
            }
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

  /**
   * "fashion-mnist", or "digits=DIR" with DIR written by digits_idx.py. A Fashion-MNIST row has no
   * "dataset" field (the first results file predates it).
   */
  static Data data(String arg) {
    if (arg.equals(FASHION_MNIST.name())) {
      return FASHION_MNIST;
    }
    if (arg.startsWith("digits=")) {
      return digits(arg.substring("digits=".length()));
    }
    throw new IllegalArgumentException(
        "DATASET must be fashion-mnist or digits=DIR, got '" + arg + "'");
  }

  /** The partition's source model (trained once, kept in OUT_DIR/source-P, or source-NAME-P). */
  static String source(Path out, Data data, int p) {
    Path dir =
        out.resolve(data == FASHION_MNIST ? "source-" + p : "source-" + data.name() + "-" + p);
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
      List<String> targets = data.targets().get(p - 1);
      List<String> classes = data.labels().stream().filter(l -> !targets.contains(l)).toList();
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
              limitPerClass: %6$d
            transforms:
              train: {resize: %4$d}
              test: {resize: %4$d}
              normalize: %7$s
            training: {epochs: %8$d, evalEveryEpochs: %8$d, batchSize: 64, learningRate: 0.05,
              momentum: 0.9, seed: 0}
            checkpoints: {uri: "file://%5$s", everyEpochs: %8$d, keep: 1}
          """
              .formatted(
                  data.dir(),
                  flow(data.labels()),
                  flow(classes),
                  SIZE,
                  dir.resolve("ckpt").toAbsolutePath(),
                  data.sourcePerClass(),
                  normalize(data),
                  data.sourceEpochs());
      run(dir, yaml, Map.of());
    }
    return "file://" + model.toAbsolutePath();
  }

  static String normalize(Data data) {
    String m = String.valueOf(data.mean());
    String s = String.valueOf(data.std());
    return "{mean: [%1$s, %1$s, %1$s], std: [%2$s, %2$s, %2$s]}".formatted(m, s);
  }

  static String target(Path dir, Data data, int p, int shots, long seed, String recipe) {
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
            train: {resize: %5$d, horizontalFlip: %10$s}
            test: {resize: %5$d}
            normalize: %11$s
          training: {epochs: %6$d, evalEveryEpochs: %6$d, batchSize: 16, learningRate: 0.005,
            momentum: 0.9, seed: %7$d, %8$s}
          checkpoints: {uri: "file://%9$s", everyEpochs: %6$d, keep: 1}
        """
        .formatted(
            data.dir(),
            flow(data.labels()),
            flow(data.targets().get(p - 1)),
            shots,
            SIZE,
            EPOCHS,
            seed,
            training,
            dir.resolve("ckpt").toAbsolutePath(),
            data.flip(),
            normalize(data));
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
              n.path("dataset").asText(FASHION_MNIST.name())
                  + "/"
                  + n.get("partition").asInt()
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
