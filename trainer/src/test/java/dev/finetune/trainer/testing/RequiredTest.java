package dev.finetune.trainer.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Issue 24: a missing library skips outside CI and fails under CI, naming it. */
class RequiredTest {
  @Test
  void missingFailsUnderCiNamingItAndSkipsOtherwise() {
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> Required.present(false, "libturbojpeg0", true));
    assertTrue(e.getMessage().contains("missing: libturbojpeg0"), e.getMessage());
    assertThrows(TestAbortedException.class, () -> Required.present(false, "x", false));
    Required.present(true, "x", true);
  }
}
