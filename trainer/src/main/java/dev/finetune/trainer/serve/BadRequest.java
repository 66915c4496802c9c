package dev.finetune.trainer.serve;

/** A request the server refuses: an HTTP status (4xx, or 503 when full) and one line saying why. */
public final class BadRequest extends RuntimeException {
  private final int status;

  public BadRequest(int status, String message) {
    super(message.lines().findFirst().orElse("bad request"), null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
