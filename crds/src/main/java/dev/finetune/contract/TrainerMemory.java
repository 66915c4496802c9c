package dev.finetune.contract;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import java.util.Optional;

/**
 * The memory a CPU trainer pod requests when its spec names no {@code resources.memory}: an
 * estimate of its peak from the batch size and the training crop, so the scheduler places it on a
 * node with room and a Kueue ClusterQueue's memory quota counts it. It is a request only, never a
 * limit: a wrong estimate cannot get a job OOM-killed, and a spec that names {@code
 * resources.memory} gets exactly that as request and limit.
 *
 * <p>The estimate: the young generation ({@link TrainerHeap}) plus {@value #FIXED_MIB} MiB (the
 * rest of the JVM, libtorch's runtime, ResNet-18's weights, gradients and momentum) plus {@value
 * #MIB_PER_MEGAPIXEL} MiB per million input pixels in a batch (the activations kept for the
 * backward pass, and the data path's batches), times {@value #MARGIN_PERCENT} %, rounded up to 64
 * MiB. The two constants are a least-squares line through the trainer's peak PSS with JPEG input at
 * 64 px batch 64, 128 px batch 32 and 128, 224 px batch 16 and 32 (bench/trainer/run.sh with the
 * pod's heap; docs/BENCHMARKS.md, "A memory request when the spec names none"): within 7 % of every
 * point, and with the margin at or above all of them. 224 px batch 32, the default recipe: 2,432
 * MiB for a measured 2,284.
 *
 * <p>Not for GPU jobs: their activations live on the device and their host memory (CUDA's own, 15
 * data workers) has not been measured; they get no default, as before.
 */
public final class TrainerMemory {
  static final int FIXED_MIB = 400;
  static final int MIB_PER_MEGAPIXEL = 965;
  static final int MARGIN_PERCENT = 110;
  static final int ROUND_MIB = 64;

  private TrainerMemory() {}

  /** The estimated peak in MiB of a CPU trainer for this spec (whatever its resources say). */
  public static int estimateMiB(FineTuneJobSpec spec) {
    long pixels =
        spec.transforms == null
            ? TrainerHeap.outputPixels()
            : TrainerHeap.outputPixels(spec.transforms.train);
    double megapixels = (double) TrainerHeap.batchSize(spec) * pixels / 1e6;
    double mib = TrainerHeap.youngMiB(spec) + FIXED_MIB + MIB_PER_MEGAPIXEL * megapixels;
    long withMargin = (long) Math.ceil(mib * MARGIN_PERCENT / 100.0);
    return (int) ((withMargin + ROUND_MIB - 1) / ROUND_MIB * ROUND_MIB);
  }

  /**
   * The memory request for a spec without {@code resources.memory}, e.g. "2432Mi"; empty when the
   * spec names its memory or asks for a GPU.
   */
  public static Optional<String> defaultRequest(FineTuneJobSpec spec) {
    boolean named = spec.resources != null && spec.resources.memory != null;
    return TrainerHeap.wantsGpu(spec) || named
        ? Optional.empty()
        : Optional.of(estimateMiB(spec) + "Mi");
  }
}
