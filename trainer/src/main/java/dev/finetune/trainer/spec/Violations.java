package dev.finetune.trainer.spec;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.Violation;
import dev.finetune.trainer.error.TrainerException;
import java.util.List;

/** The problems {@link dev.finetune.contract.SpecValidator} found, as the trainer reports them. */
public final class Violations {
  private final List<Violation> violations;

  public Violations(List<Violation> violations) {
    this.violations = List.copyOf(violations);
  }

  public List<String> messages() {
    return violations.stream().map(Violation::text).toList();
  }

  public boolean isEmpty() {
    return violations.isEmpty();
  }

  /** Throws INVALID_SPEC with the first problem (and a count of the others). */
  public void throwIfInvalid(String source) {
    if (violations.isEmpty()) {
      return;
    }
    List<String> messages = messages();
    String more =
        messages.size() > 1
            ? " (and "
                + (messages.size() - 1)
                + " more: "
                + String.join("; ", messages.subList(1, messages.size()))
                + ")"
            : "";
    throw new TrainerException(ExitCode.INVALID_SPEC, source + ": " + messages.get(0) + more);
  }
}
