package dev.finetune.trainer.testing;

import dev.finetune.trainer.data.format.BadImageException;
import dev.finetune.trainer.error.TrainerException;

/**
 * Shared settings of the @FuzzTest targets. In a plain {@code mvn test} Jazzer replays the inputs
 * kept in {@code src/test/resources/<package>/<Class>Inputs/<method>/} (seeds and every crash found
 * so far); with {@code JAZZER_FUZZ=1} (the {@code fuzz} Maven profile that bin/test enables) it
 * fuzzes one target for {@link #BUDGET}.
 *
 * <p>The property of every target: an input either parses or fails with the product's own typed
 * error, the one that maps to an exit code. Anything else (another RuntimeException, an Error such
 * as OutOfMemoryError or StackOverflowError, a hang) is a finding.
 */
public final class Fuzzing {
  /** Fuzzing time per target in fuzzing mode. */
  public static final String BUDGET = "15s";

  private Fuzzing() {}

  /** Runs r; a {@link TrainerException} or {@link BadImageException} is an accepted outcome. */
  public static void typedErrorsOnly(Runnable r) {
    try {
      r.run();
    } catch (TrainerException | BadImageException expected) {
      // the product's own, exit-code-bearing failure: fine
    }
  }
}
