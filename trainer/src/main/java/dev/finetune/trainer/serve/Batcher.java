package dev.finetune.trainer.serve;

import dev.finetune.trainer.serve.Classifier.Pixels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups concurrent requests into one forward pass: one thread takes the oldest request, then waits
 * at most {@code maxWait} for more, until the batch holds {@code maxBatch} images (a request larger
 * than that runs alone, whole). A full queue refuses with 503 instead of growing; {@link #close}
 * refuses new requests and finishes the queued ones.
 */
final class Batcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

  /** Runs one batch; not thread-safe, called from the batcher's thread only. */
  interface Model {
    List<Prediction> classify(List<Pixels> images) throws Exception;
  }

  private record Request(List<Pixels> images, CompletableFuture<List<Prediction>> done) {}

  private final Model model;
  private final int maxBatch;
  private final long maxWaitNanos;
  private final IntConsumer batchSizes;
  private final BlockingQueue<Request> queue;
  private final Thread worker;
  private volatile boolean closed;

  Batcher(Model model, int maxBatch, Duration maxWait, int queueCapacity, IntConsumer batchSizes) {
    this.model = model;
    this.maxBatch = maxBatch;
    this.maxWaitNanos = maxWait.toNanos();
    this.batchSizes = batchSizes;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.worker = new Thread(this::loop, "serve-batcher");
    worker.setDaemon(true);
    worker.start();
  }

  /** Queues images for classification; 503 when closed or when the queue is full. */
  CompletableFuture<List<Prediction>> submit(List<Pixels> images) {
    Request r = new Request(List.copyOf(images), new CompletableFuture<>());
    if (closed) {
      throw new BadRequest(503, "the server is shutting down");
    }
    if (!queue.offer(r)) {
      throw new BadRequest(503, "too many requests queued (" + queue.size() + "); retry later");
    }
    return r.done();
  }

  private void loop() {
    Request carry = null;
    while (true) {
      Request first = carry;
      carry = null;
      try {
        if (first == null) {
          first = queue.poll(100, TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        first = queue.poll();
      }
      if (first == null) {
        if (closed || Thread.currentThread().isInterrupted()) {
          return;
        }
        continue;
      }
      List<Request> batch = new ArrayList<>(List.of(first));
      int images = first.images().size();
      long deadline = System.nanoTime() + maxWaitNanos;
      while (images < maxBatch) {
        long left = deadline - System.nanoTime();
        Request next;
        try {
          next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          next = queue.poll();
        }
        if (next == null) {
          break;
        }
        if (images + next.images().size() > maxBatch) {
          carry = next;
          break;
        }
        batch.add(next);
        images += next.images().size();
      }
      run(batch, images);
    }
  }

  private void run(List<Request> batch, int images) {
    List<Pixels> all = new ArrayList<>(images);
    batch.forEach(r -> all.addAll(r.images()));
    try {
      List<Prediction> predictions = model.classify(all);
      batchSizes.accept(all.size());
      int at = 0;
      for (Request r : batch) {
        r.done().complete(predictions.subList(at, at + r.images().size()));
        at += r.images().size();
      }
    } catch (Exception | OutOfMemoryError e) {
      LOG.warn("a batch of {} image(s) failed: {}", all.size(), e.toString());
      batch.forEach(r -> r.done().completeExceptionally(e));
    }
  }

  /** Refuses new requests, runs the queued ones and stops the thread (waits up to 30 s). */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  void close(Duration wait) {
    closed = true;
    try {
      worker.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      worker.interrupt();
    }
  }
}
