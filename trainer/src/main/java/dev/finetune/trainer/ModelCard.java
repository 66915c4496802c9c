package dev.finetune.trainer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.TrainingSpec;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The fine-tune's model card, README.md next to its weights, as Hugging Face describes a fine-tuned
 * model: YAML front matter ({@code library_name}, {@code pipeline_tag}, {@code base_model} with
 * {@code base_model_relation: finetune}, {@code datasets}, {@code metrics} and a {@code
 * model-index} holding the test accuracy), then the baseline and the gain, the recipe, the lineage
 * digests and the trainer image. Also labels.json, the class names in output order.
 */
final class ModelCard {
  /** The environment variable the operator sets to the trainer pod's image. */
  static final String IMAGE_VARIABLE = "FINETUNE_IMAGE";

  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .build());
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelCard() {}

  /** labels.json: the class names, index i being the model's output i. */
  static byte[] labels(List<String> classes) {
    return FinalModelWriter.jsonBytes(classes);
  }

  /**
   * README.md of the fine-tune's final model.
   *
   * @param lineage the run's lineage (sourceModelUri, sourceModelSha256, datasetDigest)
   * @param image the trainer image, or null outside a pod
   */
  static byte[] readme(
      FineTuneJob job, JobResult result, Map<String, Object> lineage, String image) {
    FineTuneJobSpec spec = job.getSpec();
    String name = job.getMetadata().getName();
    Object source = lineage.get("sourceModelUri");
    Map<String, Object> front = new LinkedHashMap<>();
    front.put("library_name", "pytorch");
    front.put("pipeline_tag", "image-classification");
    front.put(
        "tags",
        List.of(
            "image-classification",
            spec.model.architecture.id(),
            "torchvision",
            "safetensors",
            "finetune-operator"));
    if (source != null) {
      front.put("base_model", hubId(source.toString()));
      front.put("base_model_relation", "finetune");
    }
    front.put("datasets", datasets(spec));
    front.put("metrics", List.of("accuracy"));
    Map<String, Object> metric = new LinkedHashMap<>();
    metric.put("type", "accuracy");
    metric.put("value", result.finetune().testAccuracy());
    metric.put("name", "Test accuracy");
    Map<String, Object> dataset = new LinkedHashMap<>();
    dataset.put("name", spec.dataset.test);
    dataset.put("type", datasets(spec).get(datasets(spec).size() - 1));
    dataset.put("split", "test");
    Map<String, Object> task = new LinkedHashMap<>();
    task.put("type", "image-classification");
    task.put("name", "Image Classification");
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("task", task);
    entry.put("dataset", dataset);
    entry.put("metrics", List.of(metric));
    front.put("model-index", List.of(Map.of("name", name, "results", List.of(entry))));
    StringBuilder md = new StringBuilder("---\n").append(yaml(front)).append("---\n\n");
    md.append("# ").append(name).append("\n\n");
    md.append("A ")
        .append(spec.model.architecture.id())
        .append(" image classifier for ")
        .append(result.classes().size())
        .append(" classes (")
        .append(String.join(", ", result.classes()))
        .append("), ")
        .append(source == null ? "trained from scratch" : "fine-tuned from `" + source + "`")
        .append(" by finetune-operator's trainer (FineTuneJob `")
        .append(name)
        .append("`, namespace `")
        .append(result.namespace())
        .append("`).\n\n");
    md.append("## Results\n\n");
    md.append("Test accuracy on ")
        .append(result.testImages())
        .append(" images, after training on ")
        .append(result.trainImages())
        .append(":\n\n");
    md.append("| run | initialization | test accuracy |\n|---|---|---|\n");
    row(md, "fine-tune", result.finetune());
    if (result.baseline() != null) {
      row(md, "baseline (from scratch)", result.baseline());
      md.append(
          String.format(
              Locale.ROOT,
              "%nGain over the baseline: %+.4f test accuracy.%n",
              result.accuracyGain()));
    } else {
      md.append(
          "\nNo from-scratch baseline was trained (spec.baseline), so there is no gain"
              + " to report.\n");
    }
    md.append("\n## Recipe\n\n");
    TrainingSpec t = spec.training;
    md.append("| setting | value |\n|---|---|\n");
    setting(md, "architecture", spec.model.architecture.id());
    setting(md, "epochs", t.epochs);
    setting(md, "batch size", t.batchSize);
    setting(md, "learning rate", t.learningRate);
    var probe = result.recipe();
    setting(
        md,
        "head learning rate multiplier",
        probe != null ? probe.chosen().headMultiplier() + " (auto)" : t.headMultiplierOrDefault());
    setting(md, "weight decay", t.weightDecay);
    setting(md, "momentum", t.momentum);
    setting(md, "loss reduction", t.lossReduction);
    List<String> frozen = probe != null ? probe.chosen().freeze() : t.freeze;
    setting(
        md,
        "frozen modules",
        (frozen == null || frozen.isEmpty() ? "none" : String.join(", ", frozen))
            + (probe != null ? " (auto)" : ""));
    setting(md, "seed", t.seed);
    setting(md, "train transform", json(spec.transforms == null ? null : spec.transforms.train));
    setting(md, "test transform", json(spec.transforms == null ? null : spec.transforms.test));
    setting(md, "normalize", json(spec.transforms == null ? null : spec.transforms.normalize));
    md.append(
        "\n(A transform shown as null is the default: train randomResizedCrop 224 and"
            + " horizontalFlip, test resize 256 and centerCrop 224.)\n");
    if (probe != null) {
      md.append("\n## Auto recipe\n\n")
          .append(probe.summary())
          .append(".\nEach candidate was copied from the source model and trained ")
          .append(probe.stepsPerFold())
          .append(" step(s) of ")
          .append(probe.batchSize())
          .append(" images on each of ")
          .append(probe.folds())
          .append(" folds of the training split, then scored on the fold's held-out images:\n\n");
      probe.table().forEach(line -> md.append(line).append('\n'));
    }
    md.append("\n## Lineage\n\n");
    md.append("| what | value |\n|---|---|\n");
    setting(md, "source model", source == null ? "none (from scratch)" : source);
    setting(md, "source sha256", lineage.getOrDefault("sourceModelSha256", "none"));
    setting(md, "train data", spec.dataset.train);
    setting(md, "test data", spec.dataset.test);
    setting(md, "dataset digest", lineage.get("datasetDigest"));
    setting(
        md, "trainer image", image == null || image.isBlank() ? "none (run outside a pod)" : image);
    md.append("\n## Files and use\n\n");
    md.append(
            "- `model.safetensors`: float32 weights with torchvision's names;"
                + " `torchvision.models.")
        .append(spec.model.architecture.id())
        .append("(num_classes=")
        .append(result.classes().size())
        .append(")` loads them with `load_state_dict`.\n");
    md.append("- `labels.json`: the class names; output i is `labels[i]`.\n");
    md.append(
        "- `model.json`: classes, transforms, lineage; `result.json`: every epoch's"
            + " numbers.\n");
    md.append(
            "- Serve it with `finetune serve` (KServe's Open Inference Protocol v2):"
                + " model name `")
        .append(name)
        .append("`.\n");
    return md.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * hf://org/name[/file] (and hf://datasets/org/name[/file]) is the hub id org/name; any other URI
   * stays as it is.
   */
  static String hubId(String uri) {
    if (uri.startsWith("hf://")) {
      String rest = uri.substring("hf://".length());
      rest = rest.startsWith("datasets/") ? rest.substring("datasets/".length()) : rest;
      String[] parts = rest.split("/");
      if (parts.length >= 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) {
        return parts[0] + "/" + parts[1];
      }
    }
    return uri;
  }

  private static List<String> datasets(FineTuneJobSpec spec) {
    Set<String> ids = new LinkedHashSet<>();
    for (String uri : new String[] {spec.dataset.train, spec.dataset.test}) {
      if (uri != null) {
        ids.add(hubId(uri));
      }
    }
    return new ArrayList<>(ids);
  }

  private static void row(StringBuilder md, String run, RunResult r) {
    md.append(
        String.format(
            Locale.ROOT, "| %s | %s | %.4f |%n", run, cell(r.initialization()), r.testAccuracy()));
  }

  private static void setting(StringBuilder md, String name, Object value) {
    md.append("| ").append(name).append(" | ").append(cell(String.valueOf(value))).append(" |\n");
  }

  private static String cell(String text) {
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`";
  }

  private static String yaml(Object value) {
    try {
      return YAML.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
