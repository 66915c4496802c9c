package dev.finetune.trainer.config;

import dev.finetune.trainer.error.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.util.ArrayList;
import java.util.List;

/** Problems found in a spec, each naming its field path and what is allowed. */
public final class Violations {
  private final List<String> messages = new ArrayList<>();

  void add(String field, String problem) {
    messages.add(field + ": " + problem);
  }

  public List<String> messages() {
    return List.copyOf(messages);
  }

  public boolean isEmpty() {
    return messages.isEmpty();
  }

  /** Throws INVALID_SPEC with the first problem (and a count of the others). */
  public void throwIfInvalid(String source) {
    if (messages.isEmpty()) {
      return;
    }
    String more = messages.size() > 1 ? " (and " + (messages.size() - 1) + " more: "
        + String.join("; ", messages.subList(1, messages.size())) + ")" : "";
    throw new TrainerException(ExitCode.INVALID_SPEC, source + ": " + messages.get(0) + more);
  }
}
