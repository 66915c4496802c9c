package dev.finetune.operator.validate;

import static dev.finetune.operator.Fixtures.ftj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.PretrainedSpec;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Phase 2 as the reconciler runs it: the contract rules for a cluster, then the fromJob lookup. */
class ValidationTest {
  static FineTuneJob source(String phase, String model) {
    return ftj("src")
        .status(
            s -> {
              s.phase = phase;
              s.finalModelUri = model;
            })
        .obj();
  }

  static Stream<Arguments> cases() {
    Map<String, FineTuneJob> none = Map.of();
    return Stream.of(
        Arguments.of("valid", ftj("a").obj(), none, new Validation.Valid(null)),
        Arguments.of("name too long", ftj("a".repeat(49)).obj(), none, "metadata.name"),
        Arguments.of("longest name", ftj("a".repeat(48)).obj(), none, new Validation.Valid(null)),
        Arguments.of(
            "cpu not a quantity",
            ftj("a").spec(s -> s.resources.cpu = "four").obj(),
            none,
            "spec.resources.cpu"),
        Arguments.of(
            "memory zero",
            ftj("a").spec(s -> s.resources.memory = "0").obj(),
            none,
            "spec.resources.memory"),
        Arguments.of(
            "fractional cpu",
            ftj("a").spec(s -> s.resources.cpu = "500m").obj(),
            none,
            new Validation.Valid(null)),
        Arguments.of(
            "file checkpoints",
            ftj("a").spec(s -> s.checkpoints.uri = "file:///ckpt").obj(),
            none,
            "spec.checkpoints.uri"),
        Arguments.of(
            "ftp dataset",
            ftj("a").spec(s -> s.dataset.train = "ftp://x/y").obj(),
            none,
            "spec.dataset.train"),
        Arguments.of(
            "ftp test split: no trainer reads it",
            ftj("a").spec(s -> s.dataset.test = "ftp://h/test.zip").obj(),
            none,
            "spec.dataset.test"),
        Arguments.of(
            "missing source", ftj("a").fromJob("src").obj(), none, "spec.model.pretrained.fromJob"),
        Arguments.of(
            "failed source",
            ftj("a").fromJob("src").obj(),
            Map.of("src", source("Failed", null)),
            "spec.model.pretrained.fromJob"),
        Arguments.of(
            "running source: wait",
            ftj("a").fromJob("src").obj(),
            Map.of("src", source("Running", null)),
            "WaitingForSource"),
        Arguments.of(
            "succeeded source",
            ftj("a").fromJob("src").obj(),
            Map.of("src", source("Succeeded", "s3://m/model/model.safetensors")),
            new Validation.Valid("s3://m/model/model.safetensors")),
        Arguments.of(
            "self reference", ftj("a").fromJob("a").obj(), none, "spec.model.pretrained.fromJob"),
        Arguments.of(
            "fromJob not a name",
            ftj("a").fromJob("Src_1").obj(),
            none,
            "spec.model.pretrained.fromJob"),
        Arguments.of(
            "s3 checkpoints without bucket",
            ftj("a").spec(s -> s.checkpoints.uri = "s3:///prefix").obj(),
            none,
            "spec.checkpoints.uri"),
        Arguments.of(
            "s3 bucket with capitals",
            ftj("a").spec(s -> s.dataset.train = "s3://Data/train.zip").obj(),
            none,
            "spec.dataset.train"),
        Arguments.of(
            "https without host",
            ftj("a").spec(s -> s.dataset.test = "https:///test.zip").obj(),
            none,
            "spec.dataset.test"),
        Arguments.of(
            "pretrained s3 without bucket",
            ftj("a")
                .spec(
                    s -> {
                      s.model.pretrained = new PretrainedSpec();
                      s.model.pretrained.uri = "s3://x";
                    })
                .obj(),
            none,
            "spec.model.pretrained.uri"),
        Arguments.of(
            "queueName with a slash",
            ftj("a").spec(s -> s.queueName = "team/gpu").obj(),
            none,
            "spec.queueName"),
        Arguments.of(
            "queueName of 64 characters",
            ftj("a").spec(s -> s.queueName = "q".repeat(64)).obj(),
            none,
            "spec.queueName"),
        Arguments.of(
            "queueName ok",
            ftj("a").spec(s -> s.queueName = "team-a.gpu_1").obj(),
            none,
            new Validation.Valid(null)),
        Arguments.of(
            "secret name with capitals",
            ftj("a").spec(s -> s.checkpoints.credentialsSecret = "S3").obj(),
            none,
            "spec.checkpoints.credentialsSecret"),
        Arguments.of(
            "priorityClassName with spaces",
            ftj("a").spec(s -> s.priorityClassName = "high prio").obj(),
            none,
            "spec.priorityClassName"),
        Arguments.of(
            "mlflow uri ftp", mlflow("ftp://m", null, null), none, "spec.registry.mlflow.uri"),
        Arguments.of(
            "mlflow uri without host",
            mlflow("http:///api", null, null),
            none,
            "spec.registry.mlflow.uri"),
        Arguments.of(
            "mlflow uri missing", mlflow(null, null, null), none, "spec.registry.mlflow.uri"),
        Arguments.of(
            "mlflow modelName with a slash",
            mlflow("http://m:5000", "a/b", null),
            none,
            "spec.registry.mlflow.modelName"),
        Arguments.of(
            "mlflow secret name with capitals",
            mlflow("http://m", null, "Creds"),
            none,
            "spec.registry.mlflow.credentialsSecret"),
        Arguments.of(
            "mlflow ok",
            mlflow("https://mlflow.example.com/ml", "resnet18-cats_v2", "mlflow-creds"),
            none,
            new Validation.Valid(null)));
  }

  static FineTuneJob mlflow(String uri, String modelName, String secret) {
    return ftj("a")
        .spec(
            s -> {
              s.registry = new dev.finetune.api.v1alpha1.spec.RegistrySpec();
              s.registry.mlflow = new dev.finetune.api.v1alpha1.spec.MlflowRegistrySpec();
              s.registry.mlflow.uri = uri;
              s.registry.mlflow.modelName = modelName;
              s.registry.mlflow.credentialsSecret = secret;
            })
        .obj();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void validates(String name, FineTuneJob f, Map<String, FineTuneJob> jobs, Object expected) {
    Validation v =
        Validation.of(
            f,
            n -> Optional.ofNullable(jobs.get(n)),
            java.time.Instant.now(),
            java.time.Duration.ZERO);
    if (expected instanceof Validation e) {
      assertEquals(e, v);
    } else if (v instanceof Validation.Invalid i) {
      assertEquals(expected, i.field(), i.text());
    } else if (v instanceof Validation.Waiting w) {
      assertEquals(expected, w.reason());
    } else {
      throw new AssertionError("expected " + expected + ", got " + v);
    }
  }

  /** A missing source is waited for during the grace period after creation, then invalid. */
  @Test
  void missingSourceWaitsForTheGracePeriodThenIsInvalid() {
    FineTuneJob f = ftj("a").fromJob("src").obj();
    f.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    java.time.Instant created = java.time.Instant.parse("2026-01-01T00:00:00Z");
    java.time.Duration grace = java.time.Duration.ofMinutes(10);
    Validation early = Validation.of(f, n -> Optional.empty(), created.plusSeconds(599), grace);
    assertEquals("WaitingForSource", ((Validation.Waiting) early).reason());
    Validation late = Validation.of(f, n -> Optional.empty(), created.plusSeconds(600), grace);
    Validation.Invalid invalid = (Validation.Invalid) late;
    assertEquals("spec.model.pretrained.fromJob", invalid.field());
    org.junit.jupiter.api.Assertions.assertTrue(
        invalid.text().contains("'src' does not exist"), invalid.text());
  }
}
