package dev.finetune.bench;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.contract.TrainerHeap;

/**
 * Prints the java options the operator gives a trainer pod (TrainerHeap's young generation) for a
 * TrainerBench case, so bench/trainer/run.sh's "+pod" stacks run with the product's heap:
 *
 * <pre>PodJavaOptions BATCH SIZE    e.g. 32 224 -> -Xmn211m</pre>
 *
 * TrainerBench's pipeline is RandomResizedCrop(SIZE), so the spec here has that crop.
 */
public final class PodJavaOptions {
  private PodJavaOptions() {}

  public static void main(String[] args) {
    FineTuneJobSpec spec = new FineTuneJobSpec();
    spec.training.batchSize = Integer.parseInt(args[0]);
    spec.transforms.train = new ImageTransformSpec();
    spec.transforms.train.randomResizedCrop = Integer.parseInt(args[1]);
    System.out.println(TrainerHeap.javaOptions(spec).orElse(""));
  }
}
