package dev.finetune.trainer.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.LossReduction;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.testing.JobYaml;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JobLoaderTest {
  /** A valid job; the cases below change its text, so the fields they replace must be in it. */
  static final String VALID =
      JobYaml.job("demo")
          .architecture("resnet18")
          .pretrained("file:///tmp/w.safetensors")
          .dataset("file:///d/train", "file:///d/test")
          .epochs(2)
          .fields("training", "freeze: [conv1, layer1]")
          .yaml();

  @Test
  void examplesInTheRepositoryAreValid() {
    for (String f :
        List.of(
            "hotdog-job.yaml", "fashion-mnist/source-job.yaml", "fashion-mnist/target-job.yaml")) {
      FineTuneJob job = JobLoader.load(Path.of("../deploy/examples").resolve(f));
      assertTrue(job.getSpec().training.epochs > 0, f);
    }
    FineTuneJob hotdog = JobLoader.load(Path.of("../deploy/examples/hotdog-job.yaml"));
    assertEquals(LossReduction.SUM, hotdog.getSpec().training.lossReduction);
    assertEquals(5.0e-5, hotdog.getSpec().training.learningRate);
    assertEquals(10.0, hotdog.getSpec().training.headLearningRateMultiplier);
    assertEquals(5.0e-4, hotdog.getSpec().baseline.fromScratch.learningRate);
  }

  @Test
  void defaultsApply() {
    FineTuneJob job = JobLoader.parse(VALID, "t");
    assertEquals(Architecture.RESNET18, job.getSpec().model.architecture);
    assertEquals(LossReduction.MEAN, job.getSpec().training.lossReduction);
    assertEquals(3, job.getSpec().backoffLimit);
  }

  /** Each bad input must name its field and what is allowed. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "architecture: resnet50 | spec.model.architecture | resnet18, resnet34",
        "learnigRate: 0.1 | spec.training.learnigRate: unknown field | learningRate",
        "epochs: 0 | spec.training.epochs | [1, 10000]",
        "epochs: 100000 | spec.training.epochs | [1, 10000]",
        "epochs: many | spec.training.epochs | Integer",
        "batchSize: -1 | spec.training.batchSize | [1, 65536]",
        "learningRate: .nan | spec.training.learningRate | numeric value",
        "learningRate: 1e400 | spec.training.learningRate | [0, 10]",
        "lossReduction: avg | spec.training.lossReduction | mean, sum",
        "recipe: maybe | spec.training.recipe | fixed, auto",
        "recipe: [auto] | spec.training.recipe | fixed, auto",
        "momentum: 1.5 | spec.training.momentum | [0, 0.999]",
        "freeze: [layer9] | spec.training.freeze | layer1..layer4",
        "freeze: [fc] | spec.training.freeze | cannot be frozen",
        "format: csv | spec.dataset.format | imagefolder, idx",
        "uri: \"ftp://x/y\" | spec.model.pretrained.uri | must match",
        "limitPerClass: 0 | spec.dataset.limitPerClass | [1, ",
        "architecture: null | spec.model.architecture: must not be null | omit the field",
        "freeze: null | spec.training.freeze: must not be null | omit the field",
        "resize: [256] | spec.transforms.test.resize | [height, width]",
        "resize: [256, 0] | spec.transforms.test.resize | 1..4096",
        "resize: big | spec.transforms.test.resize | an integer 1..4096",
      })
  void badFieldsAreNamed(String change, String field, String allowed) {
    String yaml = mutate(change);
    TrainerException e =
        assertThrows(TrainerException.class, () -> JobLoader.parse(yaml, "job.yaml"));
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode());
    assertTrue(e.getMessage().contains(field), e.getMessage());
    assertTrue(e.getMessage().contains(allowed), e.getMessage());
    assertTrue(e.getMessage().startsWith("job.yaml: "), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "[]", "42", "kind: Pod", ": : :", "spec: {model: {architecture: resnet18}}"})
  void garbageIsRejectedWithoutCrashing(String yaml) {
    TrainerException e =
        assertThrows(TrainerException.class, () -> JobLoader.parse(yaml, "g.yaml"));
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode());
  }

  @Test
  void hugeStringsAndAliasBombsAreRejected() {
    String huge = VALID.replace("file:///d/train", "file:///" + "a".repeat(10_000));
    TrainerException e = assertThrows(TrainerException.class, () -> JobLoader.parse(huge, "h"));
    assertTrue(e.getMessage().contains("spec.dataset.train: is 10008 characters"), e.getMessage());
    StringBuilder bomb = new StringBuilder("a: &a [x,x,x,x,x,x,x,x,x]\n");
    for (int i = 1; i < 30; i++) {
      bomb.append((char) ('a' + i % 26))
          .append(i)
          .append(": &a")
          .append(i)
          .append(" [*a")
          .append(i == 1 ? "" : String.valueOf(i - 1))
          .append(",*a")
          .append(i == 1 ? "" : String.valueOf(i - 1))
          .append("]\n");
    }
    assertThrows(TrainerException.class, () -> JobLoader.parse(bomb.toString(), "bomb"));
  }

  @Test
  void pretrainedNeedsExactlyOneSource() {
    String both =
        VALID.replace(
            "pretrained: {uri: \"file:///tmp/w.safetensors\"}",
            "pretrained: {uri: \"file:///tmp/w.safetensors\", fromJob: src}");
    TrainerException e = assertThrows(TrainerException.class, () -> JobLoader.parse(both, "b"));
    assertTrue(e.getMessage().contains("spec.model.pretrained: set exactly one of uri or fromJob"));
  }

  private static String mutate(String change) {
    String key = change.substring(0, change.indexOf(':'));
    String yaml = VALID;
    switch (key) {
      case "architecture" -> yaml = yaml.replace("architecture: resnet18", change);
      case "uri" -> yaml = yaml.replace("uri: \"file:///tmp/w.safetensors\"", change);
      case "format", "limitPerClass" ->
          yaml = yaml.replace("dataset: {", "dataset: {" + change + ", ");
      case "freeze" -> yaml = yaml.replace("freeze: [conv1, layer1]", change);
      case "epochs" -> yaml = yaml.replace("epochs: 2", change);
      case "resize" -> yaml = yaml + "  transforms: {test: {" + change + "}}\n";
      default -> yaml = yaml.replace("training: {", "training: {" + change + ", ");
    }
    assertNotEquals(VALID, yaml, "the case changes the job: " + change);
    return yaml;
  }
}
