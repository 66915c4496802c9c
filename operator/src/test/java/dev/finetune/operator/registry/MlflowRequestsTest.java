package dev.finetune.operator.registry;

import static dev.finetune.operator.Fixtures.ftj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.MlflowRegistrySpec;
import dev.finetune.api.v1alpha1.spec.RegistrySpec;
import dev.finetune.api.v1alpha1.status.Lineage;
import dev.finetune.api.v1alpha1.status.RunMetrics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model version's name, source, tags and request bodies; the credentials' header. */
class MlflowRequestsTest {
  static FineTuneJob succeeded(String modelName, boolean baseline) {
    return ftj("cats")
        .spec(
            s -> {
              s.registry = new RegistrySpec();
              s.registry.mlflow = new MlflowRegistrySpec();
              s.registry.mlflow.uri = "http://mlflow:5000/";
              s.registry.mlflow.modelName = modelName;
            })
        .status(
            s -> {
              s.phase = "Succeeded";
              s.finalModelUri = "s3://ckpt/cats/model/model.safetensors";
              s.modelCardUri = "s3://ckpt/cats/model/README.md";
              s.metrics = new RunMetrics();
              s.metrics.testAccuracy = "0.9166666666666666";
              if (baseline) {
                s.baseline = new RunMetrics();
                s.baseline.testAccuracy = "0.5";
                s.accuracyGain = "0.4166666666666666";
              }
              s.lineage = new Lineage();
              s.lineage.datasetDigest = "sha256:abc";
              s.lineage.sourceModelUri = "s3://models/resnet18.safetensors";
              s.lineage.sourceModelSha256 = "def";
            })
        .obj();
  }

  @Test
  void theEntryNamesTheModelTheSourceAndEveryTag() {
    ModelVersionEntry e =
        ModelVersionEntry.of(
            succeeded(null, true), succeeded(null, true).getStatus(), "ghcr.io/x/trainer:1");
    assertEquals("cats", e.modelName(), "the job's name by default");
    assertEquals("s3://ckpt/cats/model/model.safetensors", e.source());
    assertEquals("uid-cats", e.uid());
    assertEquals(
        Map.ofEntries(
            Map.entry("finetune.dev/job-uid", "uid-cats"),
            Map.entry("finetune.dev/namespace", "ns"),
            Map.entry("finetune.dev/job", "cats"),
            Map.entry("finetune.dev/test-accuracy", "0.9166666666666666"),
            Map.entry("finetune.dev/baseline-test-accuracy", "0.5"),
            Map.entry("finetune.dev/accuracy-gain", "0.4166666666666666"),
            Map.entry("finetune.dev/dataset-digest", "sha256:abc"),
            Map.entry("finetune.dev/source-model-uri", "s3://models/resnet18.safetensors"),
            Map.entry("finetune.dev/source-model-sha256", "def"),
            Map.entry("finetune.dev/trainer-image", "ghcr.io/x/trainer:1"),
            Map.entry("finetune.dev/model-card", "s3://ckpt/cats/model/README.md")),
        e.tags());
    assertTrue(e.description().contains("ns/cats (uid uid-cats)"), e.description());
  }

  @Test
  void noBaselineGivesNoBaselineTagsAndModelNameOverridesTheJobsName() {
    FineTuneJob j = succeeded("resnet18-cats", false);
    ModelVersionEntry e = ModelVersionEntry.of(j, j.getStatus(), "img");
    assertEquals("resnet18-cats", e.modelName());
    assertFalse(e.tags().containsKey(ModelVersionEntry.BASELINE_TEST_ACCURACY));
    assertFalse(e.tags().containsKey(ModelVersionEntry.ACCURACY_GAIN));
  }

  @Test
  void theVersionRequestCarriesNameSourceDescriptionAndTagsAsPairs() {
    FineTuneJob j = succeeded(null, false);
    var body = MlflowRegistry.versionRequest(ModelVersionEntry.of(j, j.getStatus(), "img"));
    assertEquals("cats", body.get("name").asText());
    assertEquals("s3://ckpt/cats/model/model.safetensors", body.get("source").asText());
    assertEquals("finetune.dev/job-uid", body.get("tags").get(0).get("key").asText());
    assertEquals("uid-cats", body.get("tags").get(0).get("value").asText());
    assertTrue(body.get("description").asText().startsWith("Fine-tuned by FineTuneJob ns/cats"));
  }

  @Test
  void theSearchFilterQuotesTheTagKeyAndEscapesQuotes() {
    assertEquals(
        "name = 'cats' and tags.`finetune.dev/job-uid` = 'u-1'",
        MlflowRegistry.searchFilter("cats", "u-1"));
    assertEquals(
        "name = 'it\\'s' and tags.`finetune.dev/job-uid` = 'u'",
        MlflowRegistry.searchFilter("it's", "u"));
  }

  @Test
  void aTokenIsBearerUsernameAndPasswordAreBasicAndBothAreMasked() throws Exception {
    var token = MlflowCredentials.of(Map.of(MlflowCredentials.TOKEN, "t0ken"), "s");
    assertEquals("Bearer t0ken", token.authorization().orElseThrow());
    assertEquals("x **** y", token.mask("x t0ken y"));
    var basic =
        MlflowCredentials.of(
            Map.of(MlflowCredentials.USERNAME, "alice", MlflowCredentials.PASSWORD, "pw"), "s");
    assertEquals("Basic YWxpY2U6cHc=", basic.authorization().orElseThrow());
    assertEquals("**** and ****", basic.mask("YWxpY2U6cHc= and pw"));
    assertFalse(basic.toString().contains("pw"));
    assertTrue(MlflowCredentials.NONE.authorization().isEmpty());
    var e =
        assertThrows(
            RegistryException.class,
            () ->
                MlflowCredentials.of(Map.of("MLFLOW_TRACKING_USERNAME", "alice"), "mlflow-creds"));
    assertEquals(
        "Secret mlflow-creds (spec.registry.mlflow.credentialsSecret) has neither"
            + " MLFLOW_TRACKING_TOKEN nor MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD",
        e.getMessage());
    assertEquals(List.of("t0ken", "t0ken"), token.secrets());
  }
}
