package dev.finetune.operator.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Trainer /metrics scrapes off the reconcile thread. The reconcile calls {@link #latest}, which
 * only reads the cached snapshot of a pod (by pod UID) and, when one is due, queues a scrape: no
 * I/O. A small pool of its own does the scrapes, each with the {@link MetricsScraper}'s timeout, at
 * most one in flight per pod; a full queue skips the scrape until the next reconcile asks. A
 * snapshot that changed calls {@code onChange} with the pod's key (the reconciler turns it into a
 * reconcile of the FineTuneJob). A pod whose scrapes keep failing (a default-deny NetworkPolicy) is
 * tried after 2, 4, then 8 intervals, so blocked pods cannot take the pool from reachable ones.
 * Entries of pods nobody asked about for ten intervals (the pod finished or went away) are dropped.
 */
public final class ProgressScraper implements AutoCloseable {
  /** One pod to read: its UID (the cache key), where to scrape it, and whom to tell. */
  public record Target(String podUid, String ip, int port, String owner) {}

  /** A pod's cache entry; {@code failures} in a row push the next scrape back. */
  private record Entry(
      Optional<TrainerMetrics> metrics, Instant tried, int failures, Instant asked) {}

  /** Consecutive failures wait up to this many intervals: blocked pods must not hog the pool. */
  static final int MAX_BACKOFF = 8;

  private final MetricsScraper scraper;
  private final Duration interval;
  private final Clock clock;
  private final Consumer<String> onChange;
  private final ThreadPoolExecutor pool;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Timer ok;
  private final Timer failed;
  private final Counter skipped;
  private volatile Instant lastSweep;

  public ProgressScraper(
      MetricsScraper scraper,
      Duration interval,
      int threads,
      int queue,
      Clock clock,
      MeterRegistry registry,
      Consumer<String> onChange) {
    this.scraper = scraper;
    this.interval = interval;
    this.clock = clock;
    this.onChange = onChange;
    this.lastSweep = clock.instant();
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, "progress-scrape-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    this.ok =
        Timer.builder("finetune.operator.progress.scrape")
            .description("Trainer /metrics scrapes off the reconcile thread, by outcome")
            .tag("outcome", "ok")
            .register(registry);
    this.failed =
        Timer.builder("finetune.operator.progress.scrape")
            .description("Trainer /metrics scrapes off the reconcile thread, by outcome")
            .tag("outcome", "failed")
            .register(registry);
    this.skipped =
        Counter.builder("finetune.operator.progress.scrape.skipped")
            .description("Scrapes not queued because the scrape queue was full")
            .register(registry);
  }

  /**
   * The latest snapshot of the pod, if a scrape of it ever succeeded; queues a scrape when none is
   * in flight and the last one is at least an interval old. Never waits.
   */
  public Optional<TrainerMetrics> latest(Target target) {
    Instant now = clock.instant();
    Entry e =
        entries.compute(
            target.podUid(),
            (k, old) ->
                old == null
                    ? new Entry(Optional.empty(), Instant.EPOCH, 0, now)
                    : new Entry(old.metrics(), old.tried(), old.failures(), now));
    if (!now.isBefore(e.tried().plus(interval.multipliedBy(backoff(e.failures()))))
        && inFlight.add(target.podUid())) {
      try {
        pool.execute(() -> scrape(target));
      } catch (RejectedExecutionException full) {
        inFlight.remove(target.podUid());
        skipped.increment();
      }
    }
    sweep(now);
    return e.metrics();
  }

  /** 1, 2, 4, 8 intervals after 0, 1, 2, 3+ failures in a row. */
  static long backoff(int failures) {
    return Math.min(1L << Math.min(failures, 3), MAX_BACKOFF);
  }

  /** Scrapes queued or running. */
  int inFlight() {
    return inFlight.size();
  }

  /** Pods with a cached entry (for tests and the sweep). */
  public int size() {
    return entries.size();
  }

  private void scrape(Target target) {
    long t0 = System.nanoTime();
    Optional<TrainerMetrics> read = Optional.empty();
    try {
      read = scraper.scrape(target.ip(), target.port()).map(TrainerMetrics::parse);
    } catch (RuntimeException e) {
      // counted as failed below; the next due reconcile tries again
    } finally {
      (read.isPresent() ? ok : failed).record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
    Instant done = clock.instant();
    Optional<TrainerMetrics> fresh = read;
    boolean[] changed = {false};
    entries.computeIfPresent(
        target.podUid(),
        (k, old) -> {
          Optional<TrainerMetrics> keep = fresh.isPresent() ? fresh : old.metrics();
          changed[0] = !Objects.equals(keep, old.metrics());
          return new Entry(keep, done, fresh.isPresent() ? 0 : old.failures() + 1, old.asked());
        });
    inFlight.remove(target.podUid());
    if (changed[0]) {
      onChange.accept(target.owner());
    }
  }

  private void sweep(Instant now) {
    if (now.isBefore(lastSweep.plus(interval))) {
      return;
    }
    lastSweep = now;
    Instant cutoff = now.minus(interval.multipliedBy(MAX_BACKOFF + 2));
    entries
        .entrySet()
        .removeIf(x -> x.getValue().asked().isBefore(cutoff) && !inFlight.contains(x.getKey()));
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
