package dev.finetune.trainer.telemetry;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress for humans: an animated bar on a terminal, plain log lines elsewhere.
 *
 * <p>Interactive mode draws a <a href="https://github.com/ctongfei/progressbar">me.tongfei
 * progressbar</a> redrawn in place with carriage returns, its trailing message showing epoch, loss
 * and images/s, and the ETA at the end.
 *
 * <p>Non-interactive mode (no terminal, e.g. a pod whose output goes to {@code kubectl logs}) never
 * animates: it prints one self-contained line, such as
 *
 * <pre>
 * fine-tune: epoch 2/5, step 120/600 (20.0%), loss 0.4321, 312.5 img/s, ETA 3m12s
 * </pre>
 *
 * on the first update, whenever the epoch changes, at most once per log interval (default {@value
 * #DEFAULT_LOG_INTERVAL_SECONDS} s) in between, on the last step, and on {@link #close()} if the
 * newest update has not been printed yet.
 *
 * <p>The ETA is measured from the first update this view received (so a resumed run that starts at
 * step 500 is estimated from its own pace), and is unknown ({@code ?}) until a second update
 * arrives. All methods are thread-safe.
 */
public final class ProgressView implements AutoCloseable {

  /** Default seconds between two non-interactive lines within one epoch. */
  public static final long DEFAULT_LOG_INTERVAL_SECONDS = 30;

  private static final int FIXED_WIDTH = 110;

  private final String title;
  private final long totalSteps;
  private final PrintStream out;
  private final boolean interactive;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final ProgressBar bar;
  private final int width;

  private boolean closed;
  private long firstStep = -1;
  private long firstNanos;
  // Read by the bar's render thread without our lock (avoids lock-order deadlocks).
  private volatile double eta = Double.NaN;
  // Newest update, and what was last printed (non-interactive mode).
  private int epoch;
  private int totalEpochs;
  private long step = -1;
  private double loss = Double.NaN;
  private double imagesPerSecond = Double.NaN;
  private boolean pending;
  private int printedEpoch = Integer.MIN_VALUE;
  private long printedNanos;
  private boolean printedFinal;

  /**
   * Creates the view.
   *
   * @param title task name shown before the bar and at the start of each log line
   * @param totalSteps optimizer steps of the whole run; 0 or less: unknown (no percentage/ETA)
   * @param out where to draw; usually {@code System.out}
   * @param interactive true to animate a bar (a terminal), false for plain log lines
   */
  public ProgressView(String title, long totalSteps, PrintStream out, boolean interactive) {
    this(
        title,
        totalSteps,
        out,
        interactive,
        Duration.ofSeconds(DEFAULT_LOG_INTERVAL_SECONDS),
        System::nanoTime);
  }

  /** As above, with the non-interactive log interval and a clock (for tests). */
  ProgressView(
      String title,
      long totalSteps,
      PrintStream out,
      boolean interactive,
      Duration logInterval,
      LongSupplier nanoClock) {
    this.title = Objects.requireNonNull(title, "title");
    this.totalSteps = totalSteps;
    this.out = Objects.requireNonNull(out, "out");
    this.interactive = interactive;
    this.intervalNanos = logInterval.toNanos();
    this.nanoClock = nanoClock;
    if (interactive) {
      // Ask the terminal for its width only when drawing on the real console.
      boolean console = (out == System.out || out == System.err) && System.console() != null;
      width = console ? -1 : FIXED_WIDTH;
      bar =
          new ProgressBarBuilder()
              .setTaskName(title)
              .setInitialMax(totalSteps > 0 ? totalSteps : -1)
              .setStyle(ProgressBarStyle.UNICODE_BLOCK)
              .setUpdateIntervalMillis(500)
              .setConsumer(new ConsoleProgressBarConsumer(out, width))
              .setEtaFunction(state -> currentEta())
              .build();
    } else {
      width = FIXED_WIDTH;
      bar = null;
    }
  }

  /** A view on {@code System.out}, interactive exactly when the JVM has a console. */
  public static ProgressView forConsole(String title, long totalSteps) {
    return new ProgressView(title, totalSteps, System.out, System.console() != null);
  }

  /**
   * Reports progress.
   *
   * @param epoch current epoch, 1-based
   * @param totalEpochs epochs of the run
   * @param step optimizer steps done in the run so far (global step)
   * @param loss loss of the newest step
   * @param imagesPerSecond current throughput
   */
  public synchronized void update(
      int epoch, int totalEpochs, long step, double loss, double imagesPerSecond) {
    if (closed) {
      return;
    }
    long now = nanoClock.getAsLong();
    if (firstStep < 0) {
      firstStep = step;
      firstNanos = now;
    } else if (step > firstStep && totalSteps > 0) {
      double perStep = (now - firstNanos) / 1e9 / (step - firstStep);
      eta = Math.max(0, totalSteps - step) * perStep;
    }
    this.epoch = epoch;
    this.totalEpochs = totalEpochs;
    this.step = step;
    this.loss = loss;
    this.imagesPerSecond = imagesPerSecond;
    if (interactive) {
      bar.stepTo(step);
      bar.setExtraMessage(
          String.format(
              Locale.ROOT,
              "epoch %d/%d loss %.4f %s img/s",
              epoch,
              totalEpochs,
              loss,
              number(imagesPerSecond)));
      return;
    }
    pending = true;
    boolean last = totalSteps > 0 && step >= totalSteps;
    if (epoch != printedEpoch || now - printedNanos >= intervalNanos || (last && !printedFinal)) {
      printLine(now);
      printedFinal |= last;
    }
  }

  /** Prints {@code line} on its own line; an interactive bar is redrawn below it. */
  public synchronized void message(String line) {
    if (interactive && !closed) {
      int clear = width > 0 ? width : FIXED_WIDTH;
      out.print("\r" + " ".repeat(clear) + "\r" + line + System.lineSeparator());
      out.flush();
      bar.refresh();
    } else {
      out.println(line);
      out.flush();
    }
  }

  /** Estimated seconds left in the run, NaN until two updates were seen. */
  public double etaSeconds() {
    return eta;
  }

  /** Finishes the bar, or prints the newest unprinted update. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (interactive) {
      bar.close();
    } else if (pending) {
      printLine(nanoClock.getAsLong());
    }
    out.flush();
  }

  private Optional<Duration> currentEta() {
    double e = eta;
    return Double.isNaN(e) ? Optional.empty() : Optional.of(Duration.ofMillis((long) (e * 1e3)));
  }

  private void printLine(long now) {
    StringBuilder sb = new StringBuilder(title).append(": ");
    sb.append(String.format(Locale.ROOT, "epoch %d/%d, step %d", epoch, totalEpochs, step));
    if (totalSteps > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "/%d (%.1f%%)",
              totalSteps,
              100.0 * Math.min(step, totalSteps) / totalSteps));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            ", loss %.4f, %s img/s, ETA %s",
            loss,
            number(imagesPerSecond),
            formatEta(eta)));
    out.println(sb);
    out.flush();
    pending = false;
    printedEpoch = epoch;
    printedNanos = now;
  }

  private static String number(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "?";
  }

  /** {@code 1h02m03s}, {@code 3m12s}, {@code 45s}; {@code ?} when unknown. */
  static String formatEta(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "?";
    }
    long s = Math.round(seconds);
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    if (h > 0) {
      return String.format(Locale.ROOT, "%dh%02dm%02ds", h, m, sec);
    }
    if (m > 0) {
      return String.format(Locale.ROOT, "%dm%02ds", m, sec);
    }
    return sec + "s";
  }
}
