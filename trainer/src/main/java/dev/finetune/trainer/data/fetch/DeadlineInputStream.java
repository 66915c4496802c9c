package dev.finetune.trainer.data.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Runs a check (which throws once a deadline has passed) before and after every read. */
final class DeadlineInputStream extends FilterInputStream {
  private final Runnable check;

  DeadlineInputStream(InputStream in, Runnable check) {
    super(in);
    this.check = check;
  }

  @Override
  public int read() throws IOException {
    check.run();
    int b = super.read();
    check.run();
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    check.run();
    int n = super.read(b, off, len);
    check.run();
    return n;
  }
}
