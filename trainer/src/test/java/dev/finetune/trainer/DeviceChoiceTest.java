package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The device decision as a table: requested gpus x visible gpus -> device, warning; or exit code
 * 128 with one line when GPUs are requested and none is visible.
 */
class DeviceChoiceTest {
  @ParameterizedTest(name = "gpus={0} visible={1} -> {2} {3}")
  @CsvSource(
      nullValues = "null",
      value = {
        // requested, visible, device, warning contains
        "null, 0, cpu(), null",
        "0,    0, cpu(), null",
        "0,    1, cpu(), gpus is 0 but 1 GPU(s) are visible: training on the CPU",
        "null, 2, cpu(), gpus is 0 but 2 GPU(s) are visible",
        "1,    1, gpu(0), null",
        "1,    8, gpu(0), null",
        "2,    2, gpu(0), the trainer uses one GPU: training on gpu(0), the other 1 allocated",
        "8,    4, gpu(0), the other 3 allocated GPU(s) stay idle",
      })
  void choosesDeviceAndWarns(Integer requested, int visible, String device, String warning) {
    DeviceChoice c = DeviceChoice.choose(requested, visible);
    assertEquals(device, c.device().toString());
    if (warning == null) {
      assertEquals(java.util.Optional.empty(), c.warning());
    } else {
      String actual = c.warning().orElseThrow(() -> new AssertionError("expected a warning"));
      assertEquals(true, actual.contains(warning), actual);
    }
  }

  @ParameterizedTest(name = "gpus={0} visible=0 -> exit 128")
  @CsvSource({"1", "4"})
  void failsFastWhenGpusRequestedAndNoneVisible(int requested) {
    TrainerException e =
        assertThrows(TrainerException.class, () -> DeviceChoice.choose(requested, 0));
    assertEquals(ExitCode.RETRYABLE, e.exitCode());
    assertEquals(128, e.exitCode().code());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertEquals(
        true,
        e.getMessage().startsWith("spec.resources.gpus is " + requested + " but no GPU is usable"),
        e.getMessage());
  }

  @ParameterizedTest(name = "gpus={0}, engine fails to load -> exit 128")
  @CsvSource({"1", "2"})
  void anEngineThatCannotLoadIsNoGpuForGpuJobs(int requested) {
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () ->
                DeviceChoice.visibleGpus(
                    requested,
                    () -> {
                      throw new UnsatisfiedLinkError(
                          "libcuda.so.1: cannot open shared object file\nmore");
                    }));
    assertEquals(ExitCode.RETRYABLE, e.exitCode());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertEquals(
        true,
        e.getMessage()
            .contains(
                "the PyTorch engine did not load (libcuda.so.1:"
                    + " cannot open shared object file)"),
        e.getMessage());
  }

  @ParameterizedTest(name = "gpus={0}, engine fails to load -> the failure as it is")
  @CsvSource(
      nullValues = "null",
      value = {"null", "0"})
  void cpuJobsKeepTheEngineFailure(Integer requested) {
    IllegalStateException boom = new IllegalStateException("no natives");
    assertEquals(
        boom,
        assertThrows(
            IllegalStateException.class,
            () ->
                DeviceChoice.visibleGpus(
                    requested,
                    () -> {
                      throw boom;
                    })));
    assertEquals(3, DeviceChoice.visibleGpus(requested, () -> 3));
  }
}
