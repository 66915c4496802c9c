package dev.finetune.trainer.data.format;

/**
 * An image file that cannot be decoded (empty, truncated, unknown format, too many pixels). Callers
 * skip such images and count them; see {@link dev.finetune.trainer.data.batch.BadImagePolicy}.
 */
public final class BadImageException extends RuntimeException {
  private final String source;

  public BadImageException(String source, String reason) {
    super(source + ": " + reason);
    this.source = source;
  }

  public BadImageException(String source, String reason, Throwable cause) {
    super(source + ": " + reason, cause);
    this.source = source;
  }

  /** The file path or sample description of the bad image. */
  public String source() {
    return source;
  }
}
