package dev.finetune.trainer;

import ai.djl.Device;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * Which device a job trains on, from {@code spec.resources.gpus} and the GPUs PyTorch can see.
 * Pure: the caller asks the engine for the visible count and logs the warning.
 *
 * <ul>
 *   <li>gpus 0 (the default) trains on the CPU, as the spec documents, even when a GPU is visible:
 *       a GPU the scheduler did not allocate to this pod may belong to another one.
 *   <li>gpus &ge; 1 with a GPU visible trains on gpu(0): the CUDA image selects it by itself once
 *       {@code nvidia.com/gpu} is allocated. The trainer uses one GPU; asking for more warns.
 *   <li>gpus &ge; 1 with none visible (the CPU image, no GPU allocated, or a CUDA runtime DJL
 *       cannot find) fails fast with exit code 128 (retryable: another node may have one), never
 *       trains on the CPU while a GPU is held.
 * </ul>
 *
 * @param device the device to train on
 * @param warning what to tell the user when the spec and the machine disagree
 */
public record DeviceChoice(Device device, Optional<String> warning) {

  /**
   * @param requestedGpus {@code spec.resources.gpus}; null means the default, 0
   * @param visibleGpus GPUs visible to PyTorch ({@code Engine.getGpuCount()})
   * @throws TrainerException ({@link ExitCode#RETRYABLE}) when GPUs are requested and none is
   *     visible
   */
  public static DeviceChoice choose(Integer requestedGpus, int visibleGpus) {
    int requested = requestedGpus == null ? 0 : requestedGpus;
    if (requested == 0) {
      return new DeviceChoice(
          Device.cpu(),
          visibleGpus == 0
              ? Optional.empty()
              : Optional.of(
                  "spec.resources.gpus is 0 but "
                      + visibleGpus
                      + " GPU(s) are visible:"
                      + " training on the CPU (set resources.gpus: 1 to train on a GPU)"));
    }
    if (visibleGpus == 0) {
      throw new TrainerException(
          ExitCode.RETRYABLE,
          "spec.resources.gpus is "
              + requested
              + " but no GPU is usable: PyTorch sees none (a -cpu image, no nvidia.com/gpu allocated,"
              + " or no CUDA runtime found); use the -cu124 image on a GPU node, or set"
              + " resources.gpus: 0 to train on the CPU");
    }
    return new DeviceChoice(
        Device.gpu(0),
        requested == 1
            ? Optional.empty()
            : Optional.of(
                "spec.resources.gpus is "
                    + requested
                    + " but the trainer uses one GPU:"
                    + " training on gpu(0), the other "
                    + (Math.min(requested, visibleGpus) - 1)
                    + " allocated GPU(s) stay idle"));
  }

  /**
   * The GPUs PyTorch can see, from {@code gpuCount} (which loads the engine). When GPUs are
   * requested and the engine itself cannot load (a -cu124 image on a node without a usable NVIDIA
   * driver: {@code libcuda.so.1} is missing), that is the same situation as no GPU visible: exit
   * 128 with one line, not a permanent exit 1. For CPU jobs the failure is rethrown as it is.
   */
  public static int visibleGpus(Integer requestedGpus, IntSupplier gpuCount) {
    try {
      return gpuCount.getAsInt();
    } catch (RuntimeException | LinkageError e) {
      if (requestedGpus == null || requestedGpus == 0) {
        throw e;
      }
      String cause = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new TrainerException(
          ExitCode.RETRYABLE,
          "spec.resources.gpus is "
              + requestedGpus
              + " but no GPU is usable: the PyTorch engine did not load ("
              + cause
              + "); a -cu124"
              + " image needs a node with an NVIDIA driver and nvidia.com/gpu allocated",
          e);
    }
  }
}
