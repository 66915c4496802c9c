package dev.finetune.trainer.data.batch;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.TrainerHeap;
import dev.finetune.trainer.data.format.BadImageException;
import dev.finetune.trainer.data.format.RgbImage;
import dev.finetune.trainer.data.split.Seeds;
import dev.finetune.trainer.data.split.Split;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.error.TrainerException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host-side batches of one epoch, decoded and augmented ahead of time on {@code workers} threads
 * (at most {@value #PREFETCH_BATCHES} batches in flight), so loading overlaps compute.
 *
 * <p>Determinism: the training order is a permutation drawn from (seed, epoch), and sample i's
 * augmentation RNG is derived from (seed, epoch, i), so batches are identical whatever the number
 * of workers or thread timing, and starting at {@code startBatch} yields exactly the tail of the
 * full epoch.
 *
 * <p>Training keeps the final partial batch unless it would hold exactly one image (BatchNorm
 * cannot train on one sample): see {@link #batchesPerEpoch}. Undecodable images are skipped with a
 * warning and dropped from their batch; a training batch left with fewer than 2 images (or an
 * evaluation batch with none) is not emitted, but later batches keep their {@link
 * HostBatch#index()}. More bad images than the {@link BadImagePolicy} allows fail {@link #next()}
 * with DATASET_INVALID. Exceptions in workers surface from {@link #next()} / {@link #hasNext()}.
 * {@link #close()} stops the workers promptly.
 */
public final class BatchStream implements Iterator<HostBatch>, AutoCloseable {
  static final int PREFETCH_BATCHES = TrainerHeap.PREFETCH_BATCHES; // the heap model counts them
  private static final Logger LOG = LoggerFactory.getLogger(BatchStream.class);
  private static final long PERMUTATION = 0x7065726dL;
  private static final AtomicInteger POOL_IDS = new AtomicInteger();

  private final Split split;
  private final ImagePipeline pipeline;
  private final int batchSize;
  private final boolean training;
  private final long seed;
  private final int epoch;
  private final int[] order;
  private final int numBatches;
  private final int minCount;
  private final BadImagePolicy policy;
  private final ExecutorService pool;
  private final Deque<Pending> pending = new ArrayDeque<>();
  private int nextToSubmit;
  private int skipped;
  private String lastBad;
  private HostBatch ready;
  private boolean closed;

  private record Pending(int index, List<Future<Sample>> samples) {}

  /** A processed sample, or a bad one (data == null). */
  private record Sample(float[] data, int height, int width, int label, String bad) {}

  private BatchStream(
      Split split,
      ImagePipeline pipeline,
      int batchSize,
      boolean training,
      long seed,
      int epoch,
      int startBatch,
      int workers,
      BadImagePolicy policy) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (workers < 0) {
      throw new IllegalArgumentException("workers must be >= 0, got " + workers);
    }
    this.split = split;
    this.pipeline = pipeline;
    this.batchSize = batchSize;
    this.training = training;
    this.seed = seed;
    this.epoch = epoch;
    this.policy = policy;
    int n = split.size();
    this.order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (training) {
      Seeds.shuffle(order, new SplittableRandom(Seeds.mix(seed, epoch, PERMUTATION)));
      this.numBatches = batchesPerEpoch(n, batchSize);
      this.minCount = batchSize >= 2 ? 2 : 1;
    } else {
      this.numBatches = (n + batchSize - 1) / batchSize;
      this.minCount = 1;
    }
    if (startBatch < 0 || startBatch > numBatches) {
      throw new IllegalArgumentException(
          "startBatch must be 0.." + numBatches + ", got " + startBatch);
    }
    this.nextToSubmit = startBatch;
    if (workers > 0) {
      int id = POOL_IDS.incrementAndGet();
      AtomicInteger t = new AtomicInteger();
      this.pool =
          Executors.newFixedThreadPool(
              workers,
              r -> {
                Thread th = new Thread(r, "batch-" + id + "-worker-" + t.incrementAndGet());
                th.setDaemon(true);
                return th;
              });
    } else {
      this.pool = null;
    }
    refill();
  }

  /**
   * Shuffled training batches of one epoch, starting at batch {@code startBatch} (0 for a whole
   * epoch). {@code workers} 0 decodes on the calling thread.
   */
  public static BatchStream training(
      Split split,
      ImagePipeline pipeline,
      int batchSize,
      long seed,
      int epoch,
      int startBatch,
      int workers,
      BadImagePolicy policy) {
    return new BatchStream(
        split, pipeline, batchSize, true, seed, epoch, startBatch, workers, policy);
  }

  /** Evaluation batches in split order, no randomness, last partial batch kept; 1% bad images. */
  public static BatchStream evaluation(
      Split split, ImagePipeline pipeline, int batchSize, int workers) {
    return evaluation(split, pipeline, batchSize, workers, BadImagePolicy.DEFAULT);
  }

  public static BatchStream evaluation(
      Split split, ImagePipeline pipeline, int batchSize, int workers, BadImagePolicy policy) {
    return new BatchStream(split, pipeline, batchSize, false, 0, 0, 0, workers, policy);
  }

  /**
   * Training batches per epoch: full batches, plus the final partial one when it holds at least 2
   * images (or any remainder when batchSize is 1, which has none).
   */
  public static int batchesPerEpoch(int size, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1");
    }
    int full = size / batchSize;
    return full + (size % batchSize >= 2 ? 1 : 0);
  }

  /** Batches in this epoch (including any before startBatch). */
  public int batchCount() {
    return numBatches;
  }

  /** Images skipped as undecodable so far. */
  public int skipped() {
    return skipped;
  }

  private void refill() {
    while (!closed && pending.size() < PREFETCH_BATCHES && nextToSubmit < numBatches) {
      int b = nextToSubmit++;
      int from = b * batchSize;
      int to = Math.min(from + batchSize, order.length);
      List<Future<Sample>> samples = new ArrayList<>(to - from);
      for (int k = from; k < to; k++) {
        int idx = order[k];
        if (pool == null) {
          samples.add(new LazySample(idx));
        } else {
          samples.add(pool.submit(() -> process(idx)));
        }
      }
      pending.addLast(new Pending(b, samples));
    }
  }

  /** Runs a sample on the consumer thread when there are no workers. */
  private final class LazySample extends CompletableFuture<Sample> {
    private final int idx;

    LazySample(int idx) {
      this.idx = idx;
    }

    @Override
    public Sample get() {
      return process(idx);
    }
  }

  private Sample process(int idx) {
    int label = split.label(idx);
    RgbImage img;
    try {
      img = split.decode(idx);
    } catch (BadImageException e) {
      return new Sample(null, 0, 0, label, e.getMessage());
    }
    SplittableRandom rng = new SplittableRandom(training ? Seeds.mix(seed, epoch, idx) : 0L);
    RgbImage out = pipeline.geometry(img, rng);
    float[] data = new float[3 * out.width() * out.height()];
    pipeline.toTensor(out, data, 0);
    return new Sample(data, out.height(), out.width(), label, null);
  }

  @Override
  public boolean hasNext() {
    if (ready == null && !closed) {
      ready = advance();
    }
    return ready != null;
  }

  @Override
  public HostBatch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more batches in this epoch");
    }
    HostBatch b = ready;
    ready = null;
    return b;
  }

  private HostBatch advance() {
    while (!pending.isEmpty()) {
      Pending p = pending.removeFirst();
      List<Sample> good = new ArrayList<>(p.samples().size());
      for (Future<Sample> f : p.samples()) {
        Sample s = await(f);
        if (s.bad() != null) {
          skipped++;
          lastBad = s.bad();
          LOG.warn("skipping undecodable image {} ({} skipped so far)", s.bad(), skipped);
          if (policy.tooMany(skipped, split.size())) {
            close();
            throw new TrainerException(
                ExitCode.DATASET_INVALID,
                skipped
                    + " of "
                    + split.size()
                    + " images could not be decoded, more than spec.dataset.maxBadImagesPercent ("
                    + policy.maxBadImagesPercent()
                    + "%) allows; last: "
                    + lastBad);
          }
        } else {
          good.add(s);
        }
      }
      refill();
      if (good.size() < minCount) {
        LOG.warn("dropping batch {}: only {} decodable image(s)", p.index(), good.size());
        continue;
      }
      return assemble(p.index(), good);
    }
    return null;
  }

  private Sample await(Future<Sample> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new TrainerException(ExitCode.RETRYABLE, "interrupted while loading a batch", e);
    } catch (CancellationException e) {
      throw new IllegalStateException("batch stream was closed", e);
    } catch (ExecutionException e) {
      close();
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }

  private HostBatch assemble(int index, List<Sample> good) {
    int h = good.get(0).height();
    int w = good.get(0).width();
    for (Sample s : good) {
      if (s.height() != h || s.width() != w) {
        close();
        throw new TrainerException(
            ExitCode.INVALID_SPEC,
            pipeline.field()
                + " needs centerCrop"
                + " or randomResizedCrop, unless all images have the same size (batch "
                + index
                + " has "
                + w
                + "x"
                + h
                + " and "
                + s.width()
                + "x"
                + s.height()
                + ")");
      }
    }
    int plane = 3 * h * w;
    float[] pixels = new float[good.size() * plane];
    int[] labels = new int[good.size()];
    for (int i = 0; i < good.size(); i++) {
      System.arraycopy(good.get(i).data(), 0, pixels, i * plane, plane);
      labels[i] = good.get(i).label();
    }
    return new HostBatch(pixels, labels, good.size(), h, w, index);
  }

  /** Stops the workers and drops prefetched batches; safe to call more than once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Pending p : pending) {
      for (Future<Sample> f : p.samples()) {
        f.cancel(true);
      }
    }
    pending.clear();
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
