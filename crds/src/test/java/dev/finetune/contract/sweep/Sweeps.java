package dev.finetune.contract.sweep;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import io.fabric8.kubernetes.client.utils.Serialization;

/** A valid sweep to start test cases from (the hotdog recipe over two parameters). */
final class Sweeps {
  static final String YAML =
      """
      apiVersion: finetune.dev/v1alpha1
      kind: FineTuneSweep
      metadata:
        name: hotdog-sweep
        namespace: team-a
      spec:
        template:
          model:
            architecture: resnet18
            pretrained: {uri: "hf://timm/resnet18.tv_in1k"}
          dataset:
            format: imagefolder
            train: "https://d2l-data.s3-accelerate.amazonaws.com/hotdog.zip#hotdog/train"
            test: "https://d2l-data.s3-accelerate.amazonaws.com/hotdog.zip#hotdog/test"
          transforms:
            train: {randomResizedCrop: 224, horizontalFlip: true}
            test: {resize: [256, 256], centerCrop: 224}
          training: {epochs: 5, batchSize: 128, learningRate: 1.0e-5, freeze: [conv1]}
          baseline:
            fromScratch: {learningRate: 5.0e-4, epochs: 3}
          checkpoints:
            uri: "s3://finetune/sweeps/hotdog"
            credentialsSecret: s3-creds
        parameters:
          - name: training.learningRate
            searchSpace: {logUniform: {min: 1.0e-5, max: 1.0e-3, gridPoints: 3}}
          - name: training.freeze
            searchSpace: {categorical: {choices: ["", "conv1,bn1,layer1"]}}
        algorithm: {type: grid}
        objective: {metric: validationAccuracy, direction: maximize}
        parallelTrials: 2
      """;

  private Sweeps() {}

  static FineTuneSweep valid() {
    return Serialization.unmarshal(YAML, FineTuneSweep.class);
  }
}
