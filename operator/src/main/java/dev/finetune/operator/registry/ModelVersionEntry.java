package dev.finetune.operator.registry;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one succeeded FineTuneJob registers: the registered model's name, the version's source (the
 * final model URI), a description and its tags. Pure: built from the job and its status. The tag
 * {@link #UID} is the idempotency key: a version that carries the job's uid is that job's version,
 * so it is searched for before one is created.
 */
public record ModelVersionEntry(
    String modelName, String source, String description, Map<String, String> tags) {
  public static final String UID = "finetune.dev/job-uid";
  public static final String NAMESPACE = "finetune.dev/namespace";
  public static final String JOB = "finetune.dev/job";
  public static final String TEST_ACCURACY = "finetune.dev/test-accuracy";
  public static final String BASELINE_TEST_ACCURACY = "finetune.dev/baseline-test-accuracy";
  public static final String ACCURACY_GAIN = "finetune.dev/accuracy-gain";
  public static final String DATASET_DIGEST = "finetune.dev/dataset-digest";
  public static final String SOURCE_MODEL_URI = "finetune.dev/source-model-uri";
  public static final String SOURCE_MODEL_SHA256 = "finetune.dev/source-model-sha256";
  public static final String TRAINER_IMAGE = "finetune.dev/trainer-image";
  public static final String MODEL_CARD = "finetune.dev/model-card";

  /** spec.registry.mlflow.modelName, else the job's name. */
  public static String modelName(FineTuneJob ftj) {
    var mlflow = ftj.getSpec().registry == null ? null : ftj.getSpec().registry.mlflow;
    return mlflow != null && mlflow.modelName != null && !mlflow.modelName.isBlank()
        ? mlflow.modelName
        : ftj.getMetadata().getName();
  }

  /** The entry for a Succeeded job; absent values (no baseline, no lineage) give no tag. */
  public static ModelVersionEntry of(
      FineTuneJob ftj, FineTuneJobStatus status, String trainerImage) {
    String ns = ftj.getMetadata().getNamespace();
    String name = ftj.getMetadata().getName();
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(UID, ftj.getMetadata().getUid());
    tags.put(NAMESPACE, ns);
    tags.put(JOB, name);
    put(tags, TEST_ACCURACY, status.metrics == null ? null : status.metrics.testAccuracy);
    put(
        tags,
        BASELINE_TEST_ACCURACY,
        status.baseline == null ? null : status.baseline.testAccuracy);
    put(tags, ACCURACY_GAIN, status.accuracyGain);
    if (status.lineage != null) {
      put(tags, DATASET_DIGEST, status.lineage.datasetDigest);
      put(tags, SOURCE_MODEL_URI, status.lineage.sourceModelUri);
      put(tags, SOURCE_MODEL_SHA256, status.lineage.sourceModelSha256);
    }
    put(tags, TRAINER_IMAGE, trainerImage);
    put(tags, MODEL_CARD, status.modelCardUri);
    String description =
        "Fine-tuned by FineTuneJob "
            + ns
            + "/"
            + name
            + " (uid "
            + ftj.getMetadata().getUid()
            + ")"
            + (status.metrics != null && status.metrics.testAccuracy != null
                ? "; test accuracy " + status.metrics.testAccuracy
                : "")
            + (status.modelCardUri != null ? "; model card " + status.modelCardUri : "");
    return new ModelVersionEntry(modelName(ftj), status.finalModelUri, description, tags);
  }

  public String uid() {
    return tags.get(UID);
  }

  private static void put(Map<String, String> tags, String key, String value) {
    if (value != null && !value.isEmpty()) {
      tags.put(key, value);
    }
  }
}
