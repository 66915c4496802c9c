package dev.finetune.trainer.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuShareTest {
  @ParameterizedTest(name = "{0} CPUs, gpu={1}: {2} workers")
  @CsvSource({
    // cpus, gpu, workers: on a GPU all but the loop's CPU decode
    "1, true, 1",
    "2, true, 1",
    "8, true, 7",
    "32, true, 31",
    // on the CPU one per 8 CPUs, at least one
    "1, false, 1",
    "2, false, 1",
    "8, false, 1",
    "16, false, 2",
    "64, false, 8"
  })
  void defaultDataWorkersFollowTheCpus(int cpus, boolean gpu, int workers) {
    assertEquals(workers, CpuShare.dataWorkers(0, cpus, gpu));
  }

  @ParameterizedTest
  @CsvSource({"3, 2, true", "3, 64, false"})
  void flagsWin(int flag, int cpus, boolean gpu) {
    assertEquals(flag, CpuShare.dataWorkers(flag, cpus, gpu));
    assertEquals(flag, CpuShare.threads(flag, cpus));
    assertEquals(flag, CpuShare.cpus(flag));
  }

  @ParameterizedTest
  @CsvSource({"0", "-1"})
  void withoutAFlagTheJvmCountsTheCgroupCpus(int flag) {
    assertEquals(Runtime.getRuntime().availableProcessors(), CpuShare.cpus(flag));
    assertEquals(5, CpuShare.threads(flag, 5));
  }
}
