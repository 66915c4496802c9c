package dev.finetune.operator.cluster;

/** FineTuneJobs for checks of the API alone: nothing runs them, so their URIs need not exist. */
final class ApiJobs {
  private ApiJobs() {}

  /** A job with s3:// data, a pretrained source and checkpoints, and the given training block. */
  static String yaml(String name, String namespace, String training) {
    return """
        apiVersion: finetune.dev/v1alpha1
        kind: FineTuneJob
        metadata:
          name: %s
          namespace: %s
        spec:
          model:
            pretrained:
              uri: "s3://models/resnet18.safetensors"
          dataset:
            train: "s3://data/train"
            test: "s3://data/test"
          checkpoints:
            uri: "s3://finetune/%s"
          training:
        %s
        """
        .formatted(name, namespace, name, training.indent(4).stripTrailing());
  }
}
