package dev.finetune.trainer.error;

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
      assertTrue(ExitCode.retryableExit(code), Integer.toString(code));
    }
    for (int code : new int[] {1, 2, 5, 11, 127, 130, 131, 132, 134, 135, 136, 139, 255}) {
      assertFalse(ExitCode.retryableExit(code), Integer.toString(code));
    }
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
