package dev.finetune.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.CheckpointSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import dev.finetune.contract.SpecValidator.Placement;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of the contract that have no other home for their tests. */
class ContractTest {
  static FineTuneJob job(String checkpoints, String train) {
    FineTuneJob f = new FineTuneJob();
    f.setMetadata(new ObjectMetaBuilder().withName("a").build());
    f.setSpec(new dev.finetune.api.v1alpha1.spec.FineTuneJobSpec());
    f.getSpec().dataset.train = train;
    f.getSpec().dataset.test = "s3://data/test.zip";
    f.getSpec().checkpoints = new CheckpointSpec();
    f.getSpec().checkpoints.uri = checkpoints;
    return f;
  }

  @Test
  void clusterPlacementAddsOnlyTheClusterRules() {
    FineTuneJob local = job("file:///tmp/ckpt", "file:///data/train.zip");
    assertEquals(List.of(), SpecValidator.validate(local, Placement.LOCAL));
    assertEquals(
        List.of("spec.checkpoints.uri", "spec.dataset.train"),
        SpecValidator.validate(local, Placement.CLUSTER).stream().map(Violation::field).toList());
    assertEquals(
        List.of(),
        SpecValidator.validate(job("s3://ckpt/a", "s3://data/t.zip"), Placement.CLUSTER));
  }

  /**
   * One rule for URI schemes: in a cluster a dataset or source model must use a scheme the operator
   * lets trainer pods read, deploy/base's list by default; the message names the allowed schemes
   * and the setting.
   */
  @Test
  void clusterSchemesAreTheOperatorsAllowlist() {
    assertEquals(
        List.of(),
        SpecValidator.validate(
            job("s3://ckpt/a", "http://example.com/train.zip"), Placement.CLUSTER),
        "deploy/base admits http");
    List<Violation> v =
        SpecValidator.validate(job("s3://ckpt/a", "file:///data/train.zip"), Placement.CLUSTER);
    assertEquals(
        "scheme 'file' is not allowed in this cluster; allowed: http, https, s3, hf"
            + " (finetune.operator.trainer-allowed-schemes)",
        v.get(0).problem());
    assertEquals(
        List.of(),
        SpecValidator.validate(
            job("s3://ckpt/a", "file:///data/train.zip"), Placement.CLUSTER, UriSchemes.TRAINER),
        "an operator that allows file");
    FineTuneJob model = job("s3://ckpt/a", "s3://data/t.zip");
    model.getSpec().model.pretrained = new dev.finetune.api.v1alpha1.spec.PretrainedSpec();
    model.getSpec().model.pretrained.uri = "hf://timm/resnet18.a1_in1k";
    List<Violation> strict =
        SpecValidator.validate(model, Placement.CLUSTER, UriSchemes.parse(" HTTPS, s3 ,"));
    assertEquals(
        List.of("spec.model.pretrained.uri"), strict.stream().map(Violation::field).toList());
    assertEquals(
        "scheme 'hf' is not allowed in this cluster; allowed: https, s3"
            + " (finetune.operator.trainer-allowed-schemes)",
        strict.get(0).problem());
    assertEquals(UriSchemes.TRAINER, UriSchemes.orTrainer(java.util.Optional.of(" , ")));
  }

  /** dataset.validation: exactly one of fraction (0.01-0.5) or uri, the uri under the schemes. */
  @Test
  void validationIsAFractionOrAUri() {
    FineTuneJob j = job("s3://ckpt/a", "s3://data/t.zip");
    j.getSpec().dataset.validation = new dev.finetune.api.v1alpha1.spec.ValidationSpec();
    j.getSpec().dataset.validation.fraction = 0.2;
    assertEquals(List.of(), SpecValidator.validate(j, Placement.CLUSTER));
    j.getSpec().dataset.validation.uri = "s3://data/val.zip";
    assertEquals(
        List.of(
            new Violation(
                "spec.dataset.validation",
                "set exactly one of fraction"
                    + " (0.01-0.5 of each class's training images) or uri (a split of its own)")),
        SpecValidator.validate(j, Placement.CLUSTER));
    j.getSpec().dataset.validation.fraction = null;
    assertEquals(List.of(), SpecValidator.validate(j, Placement.CLUSTER));
    j.getSpec().dataset.validation.uri = "file:///data/val";
    assertEquals(
        List.of("spec.dataset.validation.uri"),
        SpecValidator.validate(j, Placement.CLUSTER).stream().map(Violation::field).toList());
    j.getSpec().dataset.validation.uri = null;
    j.getSpec().dataset.validation.fraction = 0.9;
    assertEquals(
        List.of(
            new Violation("spec.dataset.validation.fraction", "must be in [0.01, 0.5], got 0.9")),
        SpecValidator.validate(j, Placement.CLUSTER));
  }

  /** resize is n or [height, width]; the CRD stores any value, so the validator checks it. */
  @Test
  void resizeTakesItsTwoFormsOnly() {
    FineTuneJob f = job("s3://ckpt/a", "s3://data/t.zip");
    f.getSpec().transforms.train = new ImageTransformSpec();
    f.getSpec().transforms.test = new ImageTransformSpec();
    f.getSpec().transforms.train.resize = ResizeSpec.shorterSide(256);
    f.getSpec().transforms.test.resize = ResizeSpec.exact(256, 256);
    assertEquals(List.of(), SpecValidator.validate(f, Placement.CLUSTER));
    f.getSpec().transforms.train.resize = new ResizeSpec(List.of(256));
    f.getSpec().transforms.test.resize = new ResizeSpec("256");
    List<Violation> v = SpecValidator.validate(f, Placement.CLUSTER);
    assertEquals(
        List.of("spec.transforms.train.resize", "spec.transforms.test.resize"),
        v.stream().map(Violation::field).toList());
    assertTrue(v.get(0).problem().contains("[height, width]"), v.toString());
  }

  @Test
  void nameLimitLeavesRoomForTheAttemptSuffix() {
    assertEquals(63, SpecValidator.MAX_NAME + "-attempt-999999".length());
    assertTrue(SpecValidator.isJobName("a".repeat(48)));
    assertFalse(SpecValidator.isJobName("a".repeat(49)));
    assertFalse(SpecValidator.isJobName("a.b"));
  }

  @Test
  void exitCodesSplitPermanentFromRetryable() {
    for (ExitCode c : ExitCode.values()) {
      assertEquals(c.code() >= 128, c.retryable(), c.name());
      assertEquals(c.code() >= 1 && c.code() <= 127, ExitCode.isPermanent(c.code()), c.name());
    }
    assertFalse(ExitCode.isPermanent(0));
    assertFalse(ExitCode.isRetryable(0));
    assertTrue(ExitCode.isRetryable(137));
  }

  @Test
  void checkpointManifestRoundTrips() {
    var m =
        new CheckpointManifest(
            2,
            120,
            Instant.parse("2026-01-01T00:00:00Z"),
            List.of(new CheckpointManifest.File("state.json", 2, "a".repeat(64))));
    byte[] json = m.toJson().toString().getBytes(StandardCharsets.UTF_8);
    String folder = StorageLayout.checkpointFolder(120);
    assertEquals("ckpt-000000000120", folder);
    assertEquals(m, CheckpointManifest.parse(folder, json));
    assertEquals(
        "manifest.json says step 120, which does not match the folder name",
        assertThrows(
                IllegalArgumentException.class,
                () -> CheckpointManifest.parse(StorageLayout.checkpointFolder(121), json))
            .getMessage());
  }

  @Test
  void finalModelSitsUnderTheRunRoot() {
    assertEquals("s3://b/run/model/model.safetensors", StorageLayout.finalModelUri("s3://b/run/"));
    assertEquals("s3://b/run/model/model.safetensors", StorageLayout.finalModelUri("s3://b/run"));
  }
}
