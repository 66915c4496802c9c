package dev.finetune.trainer.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressViewTest {

  private static final long SEC = 1_000_000_000L;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong clock = new AtomicLong(1_000 * SEC);

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void plainLinesPerIntervalAndEpoch() {
    ProgressView view =
        new ProgressView("fine-tune", 6, out, false, Duration.ofSeconds(30), clock::get);
    view.update(1, 2, 1, 2.5, 100); // first update: printed
    clock.addAndGet(10 * SEC);
    view.update(1, 2, 2, 1.5, 110); // 10 s later, same epoch: quiet
    assertEquals(1, lines().size());
    clock.addAndGet(25 * SEC);
    view.update(1, 2, 3, 1.25, 120); // 35 s after the last line: printed
    clock.addAndGet(1 * SEC);
    view.update(2, 2, 4, 1.0, 130); // new epoch: printed
    clock.addAndGet(1 * SEC);
    view.update(2, 2, 5, 0.9, 140); // quiet
    view.message("checkpoint written: s3://bucket/ckpt-5");
    clock.addAndGet(1 * SEC);
    view.update(2, 2, 6, 0.12345, 150); // last step: printed
    view.close(); // nothing pending: no extra line
    view.close();

    String all = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(all.contains("\r"), "no carriage returns in log mode");
    assertFalse(all.contains("\u001b"), "no ANSI escapes in log mode");
    List<String> lines = lines();
    assertEquals(
        List.of(
            "fine-tune: epoch 1/2, step 1/6 (16.7%), loss 2.5000, 100.0 img/s, ETA ?",
            "fine-tune: epoch 1/2, step 3/6 (50.0%), loss 1.2500, 120.0 img/s, ETA 53s",
            "fine-tune: epoch 2/2, step 4/6 (66.7%), loss 1.0000, 130.0 img/s, ETA 24s",
            "checkpoint written: s3://bucket/ckpt-5",
            "fine-tune: epoch 2/2, step 6/6 (100.0%), loss 0.1235, 150.0 img/s, ETA 0s"),
        lines);
    assertEquals(0.0, view.etaSeconds());
  }

  @Test
  void closePrintsThePendingUpdate() {
    try (ProgressView view =
        new ProgressView("baseline", 0, out, false, Duration.ofMinutes(1), clock::get)) {
      view.update(1, 1, 10, 0.5, Double.NaN);
      clock.addAndGet(SEC);
      view.update(1, 1, 20, 0.4, 99.95);
      assertEquals(1, lines().size());
      assertTrue(Double.isNaN(view.etaSeconds()), "no total: no ETA");
    }
    assertEquals(
        List.of(
            "baseline: epoch 1/1, step 10, loss 0.5000, ? img/s, ETA ?",
            "baseline: epoch 1/1, step 20, loss 0.4000, 100.0 img/s, ETA ?"),
        lines());
  }

  @Test
  void etaFromOwnPaceAfterResume() {
    ProgressView view =
        new ProgressView("resumed", 1000, out, false, Duration.ofSeconds(30), clock::get);
    view.update(3, 5, 600, 0.3, 200);
    clock.addAndGet(20 * SEC);
    view.update(3, 5, 610, 0.3, 200); // 2 s per step, 390 left
    assertEquals(780.0, view.etaSeconds(), 1e-9);
    view.close();
    assertTrue(lines().get(1).endsWith("ETA 13m00s"), lines().toString());
  }

  @Test
  void interactiveBarDoesNotThrow() throws Exception {
    try (ProgressView view = new ProgressView("fine-tune", 50, out, true)) {
      for (int step = 1; step <= 50; step++) {
        view.update(1 + (step - 1) / 25, 2, step, 1.0 / step, 321.5);
        if (step == 25) {
          view.message("epoch 1 done: test accuracy 0.8123");
        }
      }
      assertTrue(view.etaSeconds() >= 0);
    }
    String all = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(all.contains("epoch 1 done: test accuracy 0.8123"), all);
    assertTrue(all.contains("fine-tune"), all);
    assertTrue(all.contains("\r"), "the bar redraws in place");
    assertTrue(all.contains("img/s"), all);
  }

  @Test
  void formatsEta() {
    assertEquals("?", ProgressView.formatEta(Double.NaN));
    assertEquals("?", ProgressView.formatEta(Double.POSITIVE_INFINITY));
    assertEquals("0s", ProgressView.formatEta(0.2));
    assertEquals("45s", ProgressView.formatEta(45));
    assertEquals("3m12s", ProgressView.formatEta(192));
    assertEquals("1h02m03s", ProgressView.formatEta(3723));
  }
}
