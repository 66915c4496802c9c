package dev.finetune.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainerMemoryTest {
  static FineTuneJobSpec spec(int batch, int crop) {
    return TrainerHeapTest.spec(batch, TrainerHeapTest.crop(crop), null);
  }

  /**
   * The estimate covers every measured peak (PSS with JPEG input, the pod's heap flags,
   * bench/results/trainer-20261206T212317Z.jsonl) by at most 20 %, so a request is neither below
   * what the trainer uses nor a node's worth of waste.
   */
  @ParameterizedTest
  @CsvSource({"64, 64, 728", "32, 128, 980", "16, 224, 1313", "32, 224, 2284", "128, 128, 2584"})
  void theEstimateCoversEachMeasuredPeakWithLittleToSpare(int batch, int crop, int measuredMiB) {
    int estimate = TrainerMemory.estimateMiB(spec(batch, crop));
    assertTrue(estimate >= measuredMiB, estimate + " MiB below the measured " + measuredMiB);
    assertTrue(estimate <= measuredMiB * 1.2, estimate + " MiB, measured " + measuredMiB);
    assertEquals(0, estimate % 64, "whole 64 MiB");
  }

  /**
   * The schema's largest batch (65,536) and crop (4096 px, also as resize [4096, 4096]): a
   * positive, whole request, however large, never an overflowed number the API server refuses.
   */
  @org.junit.jupiter.api.Test
  void theSchemasLargestValuesGiveAPositiveRequest() {
    int crop = TrainerMemory.estimateMiB(spec(65536, 4096));
    assertTrue(crop > 1_000_000_000 && crop % 64 == 0, "estimate " + crop);
    FineTuneJobSpec resized =
        TrainerHeapTest.spec(
            65536,
            TrainerHeapTest.resize(
                dev.finetune.api.v1alpha1.spec.ResizeSpec.exact(4096, 4096), null),
            null);
    assertEquals(crop, TrainerMemory.estimateMiB(resized));
    assertEquals(Optional.of(crop + "Mi"), TrainerMemory.defaultRequest(resized));
  }

  @org.junit.jupiter.api.Test
  void theDefaultRecipeRequestsItsEstimateAndNamedMemoryOrAGpuGetsNone() {
    // 211 MiB young + 400 + 965 x 1.606 Mpx = 2,160 MiB, x 1.1 = 2,377, rounded up: 2,432
    assertEquals(Optional.of("2432Mi"), TrainerMemory.defaultRequest(spec(32, 224)));
    // no transforms: the 224 px the heap assumes; the API's default batch (32)
    assertEquals(Optional.of("2432Mi"), TrainerMemory.defaultRequest(new FineTuneJobSpec()));
    FineTuneJobSpec named = spec(32, 224);
    named.resources.memory = "3Gi";
    assertEquals(Optional.empty(), TrainerMemory.defaultRequest(named));
    FineTuneJobSpec gpu = spec(32, 224);
    gpu.resources.gpus = 1;
    assertEquals(Optional.empty(), TrainerMemory.defaultRequest(gpu));
    gpu.resources.gpus = 0;
    assertEquals(Optional.of("2432Mi"), TrainerMemory.defaultRequest(gpu));
  }
}
