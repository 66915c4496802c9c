package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.trainer.spec.JobLoader;
import dev.finetune.trainer.testing.JobYaml;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model card's front matter parses back as Hugging Face reads it; the body has the rest. */
class ModelCardTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The hot-dog fine-tune the cards describe. */
  static JobYaml hotdog() {
    return JobYaml.job("hotdog")
        .architecture("resnet18")
        .pretrained("hf://timm/resnet18.tv_in1k/model.safetensors")
        .dataset("hf://datasets/acme/hotdog/train.zip", "s3://data/hotdog/test")
        .transforms(null, "resize: [256, 256], centerCrop: 224")
        .epochs(3)
        .batchSize(16)
        .learningRate("0.005")
        .fields("training", "freeze: [layer1]");
  }

  static RunResult run(String name, String init, double accuracy) {
    return new RunResult(name, init, List.of(), accuracy, "file:///out/" + name, List.of(), 0);
  }

  static Map<String, Object> lineage(boolean pretrained) {
    Map<String, Object> l = new LinkedHashMap<>();
    if (pretrained) {
      l.put("sourceModelUri", "hf://timm/resnet18.tv_in1k/model.safetensors");
      l.put("sourceModelSha256", "ab".repeat(32));
    }
    l.put("datasetDigest", "sha256:" + "cd".repeat(32));
    return l;
  }

  static JsonNode frontMatter(String card) throws Exception {
    assertTrue(card.startsWith("---\n"), card);
    int end = card.indexOf("\n---\n", 4);
    assertTrue(end > 0, card);
    return YAML.readTree(card.substring(4, end + 1));
  }

  @Test
  void frontMatterAndBodyOfAFineTuneWithABaseline() throws Exception {
    JobResult result =
        new JobResult(
            "hotdog",
            "team-a",
            "cpu()",
            List.of("hotdog", "not-hotdog"),
            100,
            40,
            run("finetune", "pretrained:hf://timm/resnet18.tv_in1k/model.safetensors", 0.925),
            run("baseline", "scratch", 0.6),
            0.325,
            12.5,
            Map.of(),
            null);
    String card =
        new String(
            ModelCard.readme(
                JobLoader.parse(
                    hotdog().fields("baseline", "fromScratch: {epochs: 3}").yaml(), "test.yaml"),
                result,
                lineage(true),
                "ghcr.io/acme/finetune-trainer:1.2.3"),
            StandardCharsets.UTF_8);
    JsonNode front = frontMatter(card);
    assertEquals("image-classification", front.get("pipeline_tag").asText());
    assertEquals("pytorch", front.get("library_name").asText());
    assertEquals("timm/resnet18.tv_in1k", front.get("base_model").asText());
    assertEquals("finetune", front.get("base_model_relation").asText());
    assertEquals(
        List.of("acme/hotdog", "s3://data/hotdog/test"),
        new ObjectMapper().convertValue(front.get("datasets"), List.class));
    assertEquals("accuracy", front.at("/metrics/0").asText());
    JsonNode index = front.at("/model-index/0");
    assertEquals("hotdog", index.get("name").asText());
    assertEquals("image-classification", index.at("/results/0/task/type").asText());
    assertEquals("test", index.at("/results/0/dataset/split").asText());
    assertEquals("accuracy", index.at("/results/0/metrics/0/type").asText());
    assertEquals(0.925, index.at("/results/0/metrics/0/value").asDouble());
    String body = card.substring(card.indexOf("\n---\n", 4));
    for (String expected :
        List.of(
            "# hotdog",
            "| fine-tune |",
            "0.9250",
            "baseline (from" + " scratch)",
            "0.6000",
            "Gain over the baseline: +0.3250",
            "| learning rate | `0.005` |",
            "| frozen modules | `layer1` |",
            "[256,256]",
            "ab".repeat(32),
            "cd".repeat(32),
            "ghcr.io/acme/finetune-trainer:1.2.3",
            "`hotdog`, namespace `team-a`")) {
      assertTrue(body.contains(expected), expected + " missing from:\n" + body);
    }
  }

  @Test
  void fromScratchHasNoBaseModelAndSaysThereIsNoGain() throws Exception {
    FineTuneJob job =
        JobLoader.parse(
            JobYaml.job("scratch")
                .architecture("resnet34")
                .dataset("file:///d/train", "file:///d/test")
                .yaml(),
            "scratch.yaml");
    JobResult result =
        new JobResult(
            "scratch",
            "local",
            "cpu()",
            List.of("a", "b", "c"),
            9,
            3,
            run("finetune", "scratch", 1.0 / 3),
            null,
            null,
            1,
            Map.of(),
            null);
    String card =
        new String(ModelCard.readme(job, result, lineage(false), null), StandardCharsets.UTF_8);
    JsonNode front = frontMatter(card);
    assertFalse(front.has("base_model"), card);
    assertFalse(front.has("base_model_relation"), card);
    assertEquals(1.0 / 3, front.at("/model-index/0/results/0/metrics/0/value").asDouble());
    assertTrue(card.contains("No from-scratch baseline was trained"), card);
    assertTrue(card.contains("none (run outside a pod)"), card);
    assertTrue(card.contains("resnet34"), card);
  }

  @Test
  void labelsAreTheClassesInOutputOrder() throws Exception {
    assertEquals(
        List.of("b", "a"),
        new ObjectMapper().readValue(ModelCard.labels(List.of("b", "a")), List.class));
  }
}
