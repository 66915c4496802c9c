package dev.finetune.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 11, class 3: a native abort (134) or another crash signal must not look retryable. */
class ExitCodeTest {
  @Test
  void onlyTheTablesRetryableCodesAndSigkillRetry() {
    for (int code : new int[] {128, 129, 137, 143}) {
      assertTrue(ExitCode.isRetryable(code), Integer.toString(code));
    }
    for (int code : new int[] {1, 2, 5, 11, 127, 130, 131, 132, 134, 135, 136, 139, 255}) {
      assertFalse(ExitCode.isRetryable(code), Integer.toString(code));
      assertTrue(ExitCode.isPermanent(code), Integer.toString(code));
    }
    assertFalse(ExitCode.isPermanent(0));
    assertEquals("SIGABRT", ExitCode.signalName(134).orElseThrow());
    assertEquals("SIGSEGV", ExitCode.signalName(139).orElseThrow());
    assertTrue(ExitCode.signalName(5).isEmpty());
  }

  @Test
  void codesAreDistinctAndRunMismatchIsPermanent() {
    Set<Integer> seen = new HashSet<>();
    for (ExitCode c : ExitCode.values()) {
      assertTrue(seen.add(c.code()), c.name());
    }
    assertEquals(11, ExitCode.RUN_MISMATCH.code());
    assertFalse(ExitCode.RUN_MISMATCH.retryable());
  }
}
