package dev.finetune.trainer.storage;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures System.err (where slf4j-simple writes log lines) while open, and tees it to the original
 * stream. Test helper.
 */
public final class StderrCapture implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

  public StderrCapture() {
    PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    System.setErr(
        new PrintStream(
            new java.io.OutputStream() {
              @Override
              public void write(int b) {
                capture.write(b);
                original.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                capture.write(b, off, len);
                original.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8));
  }

  public synchronized String text() {
    return buffer.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
