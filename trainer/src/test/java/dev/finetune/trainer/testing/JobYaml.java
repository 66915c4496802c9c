package dev.finetune.trainer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one FineTuneJob manifest of the trainer's tests: a test names the job and sets only the
 * fields it is about; the header ({@code apiVersion}, {@code kind}, {@code metadata}) and the
 * layout come from here. Each spec section renders as one flow map in the order model, dataset,
 * transforms, training, baseline, checkpoints, then any other section in the order first set, then
 * {@link #lines raw lines}:
 *
 * <pre>{@code
 * JobYaml.job("demo").imageFolder(data).resize(16).epochs(1).batchSize(4).write(dir.resolve("j.yaml"))
 * }</pre>
 *
 * <p>A setter given a field that is already set replaces it in place. Values are YAML as written,
 * except URIs: a {@link Path} is written as its {@code file:} URI, and every URI is quoted.
 *
 * <p>Tests whose point is the exact text of a manifest (malformed, oddly laid out or wrong headers:
 * YamlStrictnessTest, YamlLimitsTest, the garbage cases of JobLoaderTest) keep their literal text.
 */
public final class JobYaml {
  private static final List<String> ORDER =
      List.of("model", "dataset", "transforms", "training", "baseline", "checkpoints");

  private final String name;
  private final Map<String, Map<String, String>> sections = new LinkedHashMap<>();
  private final StringBuilder lines = new StringBuilder();

  private JobYaml(String name) {
    this.name = name;
    ORDER.forEach(s -> sections.put(s, new LinkedHashMap<>()));
  }

  /** A job called {@code name} with an empty spec. */
  public static JobYaml job(String name) {
    return new JobYaml(name);
  }

  /**
   * The smallest job that trains: 16 px, one epoch in batches of 4 (the CLI cases that fail or stop
   * before or in the first steps).
   */
  public static JobYaml small(String name) {
    return job(name).resize(16).epochs(1).batchSize(4);
  }

  /** {@code metadata.name}. */
  public String name() {
    return name;
  }

  /** {@code spec.model.architecture}. */
  public JobYaml architecture(String architecture) {
    return set("model", "architecture", architecture);
  }

  /** {@code spec.model.pretrained.uri}. */
  public JobYaml pretrained(Object uri) {
    return set("model", "pretrained", "{uri: " + quote(uri) + "}");
  }

  /** {@code spec.model.pretrained.fromJob}. */
  public JobYaml pretrainedFromJob(String job) {
    return set("model", "pretrained", "{fromJob: " + job + "}");
  }

  /** {@code spec.dataset.train} and {@code .test}. */
  public JobYaml dataset(Object train, Object test) {
    return set("dataset", "train", quote(train)).set("dataset", "test", quote(test));
  }

  /** The train/ and test/ folders of an ImageFolder root, as {@link Path#toUri()} writes them. */
  public JobYaml imageFolder(Path root) {
    return dataset(root.resolve("train"), root.resolve("test"));
  }

  /** {@code spec.dataset.format}. */
  public JobYaml format(String format) {
    return set("dataset", "format", format);
  }

  /** {@code spec.dataset.labelNames}. */
  public JobYaml labelNames(String... names) {
    return set("dataset", "labelNames", "[" + String.join(", ", names) + "]");
  }

  /** The same {@code resize} for the train and the test transforms. */
  public JobYaml resize(int pixels) {
    return transforms("resize: " + pixels, "resize: " + pixels);
  }

  /** {@code spec.transforms}: the fields of the train (null: none set) and the test pipeline. */
  public JobYaml transforms(String train, String test) {
    if (train != null) {
      set("transforms", "train", "{" + train + "}");
    }
    return set("transforms", "test", "{" + test + "}");
  }

  /** {@code spec.training.epochs}. */
  public JobYaml epochs(int epochs) {
    return set("training", "epochs", Integer.toString(epochs));
  }

  /** {@code spec.training.batchSize}. */
  public JobYaml batchSize(int batchSize) {
    return set("training", "batchSize", Integer.toString(batchSize));
  }

  /** {@code spec.training.learningRate}, as written. */
  public JobYaml learningRate(String learningRate) {
    return set("training", "learningRate", learningRate);
  }

  /** {@code spec.checkpoints.uri}. */
  public JobYaml checkpoints(Object uri) {
    return set("checkpoints", "uri", quote(uri));
  }

  /**
   * More fields of one spec section, written as they stand inside its flow map, e.g. {@code
   * fields("training", "momentum: 0.9, seed: 3")} or {@code fields("baseline", "fromScratch:
   * {epochs: 1}")}.
   */
  public JobYaml fields(String section, String fields) {
    sections.computeIfAbsent(section, s -> new LinkedHashMap<>()).put("\0" + fields, fields);
    return this;
  }

  /** Lines added under {@code spec:} as they are (two spaces in, newline-terminated). */
  public JobYaml lines(String yaml) {
    lines.append(yaml);
    return this;
  }

  /** The manifest. */
  public String yaml() {
    StringBuilder y =
        new StringBuilder("apiVersion: finetune.dev/v1alpha1\nkind: FineTuneJob\n")
            .append("metadata: {name: ")
            .append(name)
            .append("}\nspec:\n");
    sections.forEach(
        (section, fields) -> {
          if (!fields.isEmpty()) {
            List<String> entries = new ArrayList<>();
            fields.forEach((k, v) -> entries.add(k.startsWith("\0") ? v : k + ": " + v));
            y.append("  ").append(section).append(": {");
            y.append(String.join(", ", entries)).append("}\n");
          }
        });
    return y.append(lines).toString();
  }

  /** Writes the manifest to {@code file} and returns it. */
  public Path write(Path file) {
    try {
      return Files.writeString(file, yaml());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return yaml();
  }

  private JobYaml set(String section, String field, String value) {
    sections.computeIfAbsent(section, s -> new LinkedHashMap<>()).put(field, value);
    return this;
  }

  private static String quote(Object uri) {
    String text = uri instanceof Path p ? p.toUri().toString() : String.valueOf(uri);
    return "\"" + text + "\"";
  }
}
