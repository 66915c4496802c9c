package dev.finetune.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.trainer.serve.Classifier.Pixels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The batcher with a fake model: what shares a forward pass, the bounds, and closing. */
class BatcherTest {
  /** Records batch sizes; the first batch waits for {@link #release} when {@code hold}. */
  static final class FakeModel implements Batcher.Model {
    final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch release;

    FakeModel(boolean hold) {
      release = new CountDownLatch(hold ? 1 : 0);
    }

    @Override
    public List<Prediction> classify(List<Pixels> images) throws Exception {
      started.countDown();
      release.await(10, TimeUnit.SECONDS);
      sizes.add(images.size());
      List<Prediction> out = new ArrayList<>();
      for (Pixels p : images) {
        out.add(new Prediction(List.of("p" + p.data()[0]), new float[] {1}));
      }
      return out;
    }
  }

  static List<Pixels> images(int n, int first) {
    List<Pixels> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Pixels(new float[] {first + i, 0, 0}, 1, 1));
    }
    return out;
  }

  @Test
  void requestsWithinTheWaitShareOnePassAndEachGetsItsOwnAnswers() throws Exception {
    FakeModel model = new FakeModel(false);
    try (Batcher b = new Batcher(model, 8, Duration.ofMillis(500), 16, n -> {})) {
      CompletableFuture<List<Prediction>> a = b.submit(images(2, 0));
      CompletableFuture<List<Prediction>> c = b.submit(images(3, 10));
      assertEquals(
          List.of("p0.0", "p1.0"),
          a.get(5, TimeUnit.SECONDS).stream().map(Prediction::best).toList());
      assertEquals(
          List.of("p10.0", "p11.0", "p12.0"),
          c.get(5, TimeUnit.SECONDS).stream().map(Prediction::best).toList());
      assertEquals(List.of(5), model.sizes);
    }
  }

  @Test
  void aBatchStopsAtMaxBatchAndALargerRequestRunsWhole() throws Exception {
    FakeModel model = new FakeModel(true);
    List<Integer> recorded = Collections.synchronizedList(new ArrayList<>());
    try (Batcher b = new Batcher(model, 4, Duration.ofMillis(50), 16, recorded::add)) {
      CompletableFuture<List<Prediction>> first = b.submit(images(1, 0));
      assertTrue(model.started.await(5, TimeUnit.SECONDS));
      List<CompletableFuture<List<Prediction>>> later =
          List.of(
              b.submit(images(2, 1)),
              b.submit(images(2, 3)),
              b.submit(images(1, 5)),
              b.submit(images(9, 6)));
      model.release.countDown();
      first.get(5, TimeUnit.SECONDS);
      for (CompletableFuture<List<Prediction>> f : later) {
        f.get(5, TimeUnit.SECONDS);
      }
      assertEquals(List.of(1, 4, 1, 9), model.sizes);
      assertEquals(model.sizes, recorded, "batch sizes reach the metrics");
    }
  }

  @Test
  void aFullQueueAndAClosedBatcherAnswer503AndQueuedRequestsFinish() throws Exception {
    FakeModel model = new FakeModel(true);
    Batcher b = new Batcher(model, 1, Duration.ZERO, 1, n -> {});
    CompletableFuture<List<Prediction>> running = b.submit(images(1, 0));
    assertTrue(model.started.await(5, TimeUnit.SECONDS));
    CompletableFuture<List<Prediction>> queued = b.submit(images(1, 1));
    BadRequest full = assertThrows(BadRequest.class, () -> b.submit(images(1, 2)));
    assertEquals(503, full.status());
    Thread closer = new Thread(() -> b.close(Duration.ofSeconds(10)));
    closer.start();
    Thread.sleep(50);
    assertEquals(503, assertThrows(BadRequest.class, () -> b.submit(images(1, 3))).status());
    model.release.countDown();
    closer.join(10_000);
    assertEquals("p0.0", running.get(5, TimeUnit.SECONDS).get(0).best());
    assertEquals("p1.0", queued.get(5, TimeUnit.SECONDS).get(0).best(), "queued work finishes");
  }

  @Test
  void aFailingBatchFailsItsRequestsOnlyAndTheBatcherGoesOn() throws Exception {
    List<Integer> calls = new ArrayList<>();
    Batcher.Model flaky =
        images -> {
          calls.add(images.size());
          if (calls.size() == 1) {
            throw new IllegalStateException("boom");
          }
          return new FakeModel(false).classify(images);
        };
    try (Batcher b = new Batcher(flaky, 8, Duration.ZERO, 4, n -> {})) {
      CompletableFuture<List<Prediction>> failed = b.submit(images(1, 0));
      assertThrows(
          java.util.concurrent.ExecutionException.class, () -> failed.get(5, TimeUnit.SECONDS));
      assertEquals("p7.0", b.submit(images(1, 7)).get(5, TimeUnit.SECONDS).get(0).best());
    }
  }
}
