package dev.finetune.operator.validate;

/** Outcome of phase 2. */
public sealed interface Validation {
  /** The spec can run; {@code fromJobModelUri} is the source model when spec.model.pretrained.fromJob is set. */
  record Valid(String fromJobModelUri) implements Validation {}

  /** The spec can never run: {@code field} names what to fix. */
  record Invalid(String field, String message) implements Validation {
    public String text() {
      return field + ": " + message;
    }
  }

  /** The spec is fine but depends on something not ready yet (a fromJob that still runs). */
  record Waiting(String reason, String message) implements Validation {}
}
