package dev.finetune.trainer.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.Required;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Issue 24: a missing library fails naming it; skipping is an opt-in that CI never honours. */
class RequiredTest {
  @Test
  void missingFailsNamingItAndSkipsOnlyWhenOptedIn() {
    AssertionFailedError e =
        assertThrows(
            AssertionFailedError.class, () -> Required.present(false, "libturbojpeg0", false));
    assertTrue(e.getMessage().contains("missing: libturbojpeg0"), e.getMessage());
    assertThrows(TestAbortedException.class, () -> Required.present(false, "x", true));
    Required.present(true, "x", false);
  }

  @Test
  void theOptInIsExplicitAndNeverHonouredUnderCi() {
    assertFalse(Required.allowSkip(Map.of()));
    assertTrue(Required.allowSkip(Map.of("FINETUNE_ALLOW_MISSING", "1")));
    assertFalse(Required.allowSkip(Map.of("FINETUNE_ALLOW_MISSING", "1", "CI", "true")));
    assertFalse(Required.allowSkip(Map.of("FINETUNE_ALLOW_MISSING", "yes")));
  }
}
