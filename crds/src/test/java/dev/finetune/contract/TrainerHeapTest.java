package dev.finetune.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainerHeapTest {
  static FineTuneJobSpec spec(int batch, ImageTransformSpec train, ImageTransformSpec test) {
    FineTuneJobSpec s = new FineTuneJobSpec();
    s.training.batchSize = batch;
    s.transforms.train = train;
    s.transforms.test = test;
    return s;
  }

  static ImageTransformSpec crop(int n) {
    ImageTransformSpec t = new ImageTransformSpec();
    t.randomResizedCrop = n;
    return t;
  }

  static ImageTransformSpec resize(ResizeSpec r, Integer centerCrop) {
    ImageTransformSpec t = new ImageTransformSpec();
    t.resize = r;
    t.centerCrop = centerCrop;
    return t;
  }

  @Test
  void youngGenerationIsTheBaseAndFourBatchesTwice() {
    // 32 x 3 x 224 x 224 floats = 18.375 MiB a batch; x 4 in flight x 2 = 147 MiB + 64
    assertEquals(211, TrainerHeap.youngMiB(spec(32, crop(224), resize(sr(256), 224))));
    assertEquals(Optional.of("-Xmn211m"), TrainerHeap.javaOptions(spec(32, crop(224), null)));
    // the GPU recipe's batch 128: four times the pixels
    assertEquals(64 + 588, TrainerHeap.youngMiB(spec(128, crop(224), null)));
    // Fashion-MNIST at resize 32 (taken as 32 x 43), batch 16: about the base alone
    assertEquals(67, TrainerHeap.youngMiB(spec(16, resize(sr(32), null), resize(sr(32), null))));
  }

  @Test
  void theLargerOfTrainAndTestCountsAndUnknownSizesAssume224() {
    // test resize [300, 400] is larger than the train crop of 224
    assertEquals(
        64 + 352, // 32 x 3 x 120,000 x 4 bytes x 8 = 351.6 MiB
        TrainerHeap.youngMiB(spec(32, crop(224), resize(ResizeSpec.exact(300, 400), null))));
    // resize n keeps the aspect ratio: the other side is taken as 4:3 (256 x 342)
    assertEquals(64 + 257, TrainerHeap.youngMiB(spec(32, resize(sr(256), null), null)));
    // no transforms (same-size images at their own size): 224 x 224
    assertEquals(211, TrainerHeap.youngMiB(new FineTuneJobSpec()));
    // a resize that is not one of the two forms is the validator's business, not a crash here
    assertEquals(
        211, TrainerHeap.youngMiB(spec(32, resize(new ResizeSpec(List.of(1)), null), null)));
  }

  @Test
  void aMemoryLimitCapsItAtAQuarter() {
    FineTuneJobSpec s = spec(128, crop(224), null); // 652 MiB unlimited
    s.resources.memory = "2Gi";
    assertEquals(512, TrainerHeap.youngMiB(s));
    s.resources.memory = "8Gi";
    assertEquals(652, TrainerHeap.youngMiB(s));
    s.resources.memory = "100Mi"; // a quarter is 25 MiB
    assertEquals(25, TrainerHeap.youngMiB(s));
    s.resources.memory = "32Mi";
    assertEquals(16, TrainerHeap.youngMiB(s));
    s.resources.memory = "lots"; // refused by the validator; no crash here
    assertEquals(652, TrainerHeap.youngMiB(s));
  }

  @Test
  void aGpuJobKeepsG1sOwnSizing() {
    FineTuneJobSpec s = spec(128, crop(224), null);
    s.resources.gpus = 1;
    assertEquals(Optional.empty(), TrainerHeap.javaOptions(s));
    s.resources.gpus = 0;
    assertEquals(Optional.of("-Xmn652m"), TrainerHeap.javaOptions(s));
  }

  @Test
  void hugeBatchesAreCapped() {
    assertEquals(8192, TrainerHeap.youngMiB(spec(65536, crop(4096), null)));
  }

  private static ResizeSpec sr(int n) {
    return ResizeSpec.shorterSide(n);
  }
}
