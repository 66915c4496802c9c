package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Issue 24: a missing tool (kubectl, helm's inputs, node) skips a test only outside CI; under
 * CI=true it fails naming the tool. {@code Tools.optional("kubectl")} used to skip about 17
 * tests even under CI.
 */
class ToolsTest {
  @Test
  void aMissingToolFailsUnderCiNamingItAndSkipsOtherwise() {
    String message = "finetune-no-such-tool not found on PATH (a test)";
    AssertionFailedError ci = assertThrows(AssertionFailedError.class,
        () -> Tools.missing(true, message, true));
    assertTrue(ci.getMessage().contains("finetune-no-such-tool"), ci.getMessage());
    assertThrows(TestAbortedException.class, () -> Tools.missing(true, message, false));
    Tools.missing(false, message, true); // present: nothing happens
  }

  @Test
  void optionalToolsAreRequiredUnderCi() {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      assertThrows(AssertionFailedError.class,
          () -> Tools.optional("finetune-no-such-tool", "a test"));
    } else {
      assertThrows(TestAbortedException.class,
          () -> Tools.optional("finetune-no-such-tool", "a test"));
    }
  }
}
