package dev.finetune.operator.act;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.operator.observe.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;

/**
 * The spec ConfigMap {@code <ftj>-spec}: the FineTuneJob manifest the trainer reads from
 * /etc/finetune/job.yaml. Create-only (the spec is immutable), owned by the FineTuneJob.
 */
public final class SpecConfigMapResource {
  public static final String KEY = "job.yaml";
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  private SpecConfigMapResource() {}

  public static String name(FineTuneJob ftj) {
    return ftj.getMetadata().getName() + "-spec";
  }

  public static ConfigMap desired(FineTuneJob ftj) {
    return new ConfigMapBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(name(ftj))
                .withNamespace(ftj.getMetadata().getNamespace())
                .withLabels(Map.of(Labels.JOB, ftj.getMetadata().getName()))
                .withOwnerReferences(TrainerJobResource.owner(ftj))
                .build())
        .withData(Map.of(KEY, manifest(ftj)))
        .build();
  }

  /** The trainer's view of the job: name, namespace and the training fields of the spec. */
  static String manifest(FineTuneJob ftj) {
    FineTuneJob copy = new FineTuneJob();
    copy.setMetadata(
        new ObjectMetaBuilder()
            .withName(ftj.getMetadata().getName())
            .withNamespace(ftj.getMetadata().getNamespace())
            .build());
    FineTuneJobSpec spec = YAML.unmarshal(YAML.asJson(ftj.getSpec()), FineTuneJobSpec.class);
    // Operator-only fields: scheduling and lifecycle, nothing the trainer uses.
    spec.suspend = null;
    spec.backoffLimit = null;
    spec.queueName = null;
    spec.nodeSelector = null;
    spec.tolerations = null;
    spec.affinity = null;
    spec.priorityClassName = null;
    spec.ttlSecondsAfterFinished = null;
    spec.artifactPolicy = null;
    spec.image = null;
    spec.registry = null;
    copy.setSpec(spec);
    return YAML.asYaml(copy);
  }

  /**
   * Creates the ConfigMap unless this FineTuneJob's exists. {@link Creation#STALE}: one of a
   * previous FineTuneJob with the same name was there (and is being deleted); no Job may mount it,
   * so the caller waits.
   */
  public static Creation create(KubernetesClient client, FineTuneJob ftj) {
    return Creation.create(
        client,
        desired(ftj),
        ftj.getMetadata().getUid(),
        cm -> client.configMaps().inNamespace(ftj.getMetadata().getNamespace()).resource(cm));
  }
}
