package dev.finetune.operator.storage;

/** Object storage could not be read or written; the message never contains secret values. */
public final class StorageException extends Exception {
  public StorageException(String message) {
    super(message, null, false, false);
  }
}
