package dev.finetune.contract;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.ImageTransformSpec;
import dev.finetune.api.v1alpha1.spec.TrainingSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Optional;

/**
 * The trainer JVM's young generation, sized from the spec, which the operator passes to the trainer
 * pod as {@code JDK_JAVA_OPTIONS=-Xmn<n>m}.
 *
 * <p>Why: the trainer's tensors live in libtorch's native memory; the Java heap holds only the data
 * path (decoded images, per-sample arrays, batches in flight), nearly all of it garbage within a
 * step. Left to itself, G1 grows the heap with the allocation rate, not the live data: a 224 px
 * batch-32 run with JPEG input committed 1.7 GB of heap for about 300 MB of live data, and its peak
 * PSS was 1.34x PyTorch 2.5.1's with its DataLoader worker (docs/BENCHMARKS.md, "Memory"). A fixed
 * young generation keeps G1 at its initial size plus what really survives, at the same speed; the
 * old generation still grows with live data (an IDX dataset is held in the heap) up to the image's
 * {@code -XX:MaxRAMPercentage}, so a larger memory limit still helps a job that needs more.
 *
 * <p>The size: {@value #BASE_MIB} MiB (decoded images, the loop's own objects) plus {@value
 * #BATCHES_IN_FLIGHT} batches of float pixels twice over (each sample's array and the batch array
 * it is copied into): the loader prefetches {@value #PREFETCH_BATCHES} batches while the loop
 * trains on one. Pixels come from the larger of the train and test transforms' output sizes. With
 * {@code resources.memory} it is at most a quarter of the limit, half the image's heap ceiling, so
 * the old generation keeps the other half.
 *
 * <p>Only for CPU jobs: on a GPU, 15 data workers feed thousands of images a second and the batches
 * in flight would survive a small young generation's frequent collections, so G1 keeps sizing it
 * there (under the same ceiling) until bench/gpu/run.sh has measured it.
 */
public final class TrainerHeap {
  /** Batches the trainer's BatchStream decodes ahead of the one being trained on. */
  public static final int PREFETCH_BATCHES = 3;

  static final int BATCHES_IN_FLIGHT = PREFETCH_BATCHES + 1;
  static final int BASE_MIB = 64;
  static final int MAX_MIB = 8192;
  static final int MIN_MIB = 16;

  /** The side assumed when no transform fixes the output size (torchvision's usual 224). */
  static final int DEFAULT_SIDE = 224;

  /** The environment variable the java launcher reads its extra options from (JDK 9+). */
  public static final String ENV = "JDK_JAVA_OPTIONS";

  private TrainerHeap() {}

  /** The young generation in MiB for this spec. */
  public static int youngMiB(FineTuneJobSpec spec) {
    long pixels =
        spec.transforms == null
            ? outputPixels()
            : outputPixels(spec.transforms.train, spec.transforms.test);
    long batchBytes = (long) batchSize(spec) * 3 * pixels * Float.BYTES;
    long mib = Math.min(MAX_MIB, BASE_MIB + ceilMiB(2L * BATCHES_IN_FLIGHT * batchBytes));
    long limit = limitMiB(spec);
    if (limit > 0) {
      mib = Math.max(MIN_MIB, Math.min(mib, limit / 4));
    }
    return (int) mib;
  }

  /** The java launcher options for this spec, e.g. "-Xmn211m"; empty for a GPU job. */
  public static Optional<String> javaOptions(FineTuneJobSpec spec) {
    return wantsGpu(spec) ? Optional.empty() : Optional.of("-Xmn" + youngMiB(spec) + "m");
  }

  /**
   * A GPU job ({@code resources.gpus >= 1}): the one rule the pod's image, toleration, heap and
   * memory request all follow.
   */
  public static boolean wantsGpu(FineTuneJobSpec spec) {
    return spec.resources != null && spec.resources.gpus != null && spec.resources.gpus > 0;
  }

  /** spec.training.batchSize, else the API's default. */
  static int batchSize(FineTuneJobSpec spec) {
    return spec.training != null && spec.training.batchSize != null
        ? spec.training.batchSize
        : new TrainingSpec().batchSize;
  }

  /**
   * The largest output pixels of these transform chains (null ones skipped); {@link #DEFAULT_SIDE}
   * squared when none fixes them.
   */
  static long outputPixels(ImageTransformSpec... chains) {
    long pixels = 0;
    for (ImageTransformSpec t : chains) {
      pixels = Math.max(pixels, pixels(t));
    }
    return pixels == 0 ? (long) DEFAULT_SIDE * DEFAULT_SIDE : pixels;
  }

  /** Output pixels of one transform chain; 0 when it does not fix them. */
  static long pixels(ImageTransformSpec t) {
    if (t == null) {
      return 0;
    }
    if (t.randomResizedCrop != null) {
      return (long) t.randomResizedCrop * t.randomResizedCrop;
    }
    if (t.centerCrop != null) {
      return (long) t.centerCrop * t.centerCrop;
    }
    if (t.resize != null && t.resize.problem() == null) {
      if (t.resize.keepsAspectRatio()) {
        long n = t.resize.shorterSide();
        return n * ((n * 4 + 2) / 3); // the other side unknown: assume 4:3
      }
      return (long) t.resize.height() * t.resize.width();
    }
    return 0;
  }

  /** spec.resources.memory in MiB; 0 when unset or not a quantity (the validator's business). */
  static long limitMiB(FineTuneJobSpec spec) {
    if (spec.resources == null || spec.resources.memory == null) {
      return 0;
    }
    try {
      return new Quantity(spec.resources.memory).getNumericalAmount().longValue() >> 20;
    } catch (IllegalArgumentException | ArithmeticException e) {
      return 0;
    }
  }

  private static long ceilMiB(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }
}
