package dev.finetune.operator.registry;

/** The registry did not answer, or refused; the message has no secret values. */
public class RegistryException extends Exception {
  public RegistryException(String message) {
    super(message);
  }
}
