package dev.finetune.testsupport;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;

/**
 * What a test needs from the machine (a library, a data set, a tool, a Python package), which
 * bin/setup installs. A missing one fails the test, naming it. Skipping is an explicit opt-in for a
 * developer without it ({@code FINETUNE_ALLOW_MISSING=1}), never honoured under CI ({@code
 * CI=true}), so a broken setup cannot pass as skipped.
 */
public final class Required {
  /** The opt-in: tests whose tools are missing skip instead of failing (outside CI only). */
  public static final String ALLOW_MISSING = "FINETUNE_ALLOW_MISSING";

  private Required() {}

  /**
   * Fails (or, opted in, skips) when {@code present} is false; {@code what} names it and the fix.
   */
  public static void present(boolean present, String what) {
    present(present, what, allowSkip(System.getenv()));
  }

  /** Whether this environment opted in to skipping: {@code FINETUNE_ALLOW_MISSING=1}, not CI. */
  public static boolean allowSkip(Map<String, String> env) {
    return "1".equals(env.get(ALLOW_MISSING)) && !"true".equalsIgnoreCase(env.get("CI"));
  }

  public static void present(boolean present, String what, boolean allowSkip) {
    if (present) {
      return;
    }
    if (!allowSkip) {
      fail(
          "missing: "
              + what
              + " (bin/setup installs it; "
              + ALLOW_MISSING
              + "=1 skips such tests instead, outside CI)");
    }
    assumeTrue(false, "SKIPPED (" + ALLOW_MISSING + "=1): missing " + what);
  }
}
