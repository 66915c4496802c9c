package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The device decision as a table: requested gpus x visible gpus -> device, warning. */
class DeviceChoiceTest {
  @ParameterizedTest(name = "gpus={0} visible={1} -> {2} {3}")
  @CsvSource(nullValues = "null", value = {
      // requested, visible, device, warning contains
      "null, 0, cpu(), null",
      "0,    0, cpu(), null",
      "0,    1, cpu(), gpus is 0 but 1 GPU(s) are visible: training on the CPU",
      "null, 2, cpu(), gpus is 0 but 2 GPU(s) are visible",
      "1,    0, cpu(), gpus is 1 but no GPU is visible to PyTorch",
      "4,    0, cpu(), gpus is 4 but no GPU is visible",
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
}
