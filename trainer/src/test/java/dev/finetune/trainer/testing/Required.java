package dev.finetune.trainer.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a test needs from the machine (a library, a data set, a Python package): outside CI a
 * missing one skips the test with the fix; under CI (CI=true) it fails naming what is missing,
 * so a broken setup cannot pass as skipped.
 */
public final class Required {
  private Required() {}

  /** Skips, or under CI fails, when {@code present} is false; {@code what} names it and the fix. */
  public static void present(boolean present, String what) {
    present(present, what, "true".equalsIgnoreCase(System.getenv("CI")));
  }

  static void present(boolean present, String what, boolean ci) {
    if (present) {
      return;
    }
    if (ci) {
      fail("missing: " + what + " (CI=true: bin/setup must have installed it)");
    }
    assumeTrue(false, "SKIPPED: missing " + what);
  }
}
