package dev.finetune.trainer.telemetry;

import dev.finetune.trainer.storage.StorageHealth;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus metrics of one trainer process, served over HTTP for the pod's scrape.
 *
 * <p>This class holds the meters; {@link MetricsServer} serves them: {@code GET /metrics} answers
 * the Prometheus text exposition format 0.0.4 ({@value #CONTENT_TYPE}); {@code GET /healthz}
 * answers {@code 200 ok}. The server listens on {@code 0.0.0.0:port} and runs on two daemon
 * threads, so it never keeps the JVM alive.
 *
 * <p>Every series carries the labels {@code namespace} and {@code job} (the FineTuneJob's namespace
 * and name). The only other label is {@code run}, either {@value #RUN_FINETUNE} or {@value
 * #RUN_BASELINE}; any other value is rejected so that cardinality stays fixed. In a cluster the
 * PodMonitor sets the target's own {@code namespace} (the pod's) and {@code job} (its {@code
 * finetune.dev/job} label) and does not honour these, so Prometheus keeps them as {@code
 * exported_namespace}/{@code exported_job}: a pod cannot claim another tenant's labels. Outside a
 * cluster, a scrape config with {@code honor_labels: true} keeps them as they are.
 *
 * <p>Exposed series (names exactly as scraped):
 *
 * <table>
 *   <caption>series</caption>
 *   <tr><th>name</th><th>type</th><th>labels</th><th>meaning</th></tr>
 *   <tr><td>{@code finetune_epoch}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>current epoch (1-based; 0 before the first step)</td></tr>
 *   <tr><td>{@code finetune_total_epochs}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>epochs planned for the run</td></tr>
 *   <tr><td>{@code finetune_global_step}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>optimizer steps done so far, across epochs</td></tr>
 *   <tr><td>{@code finetune_total_steps}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>optimizer steps planned for the run</td></tr>
 *   <tr><td>{@code finetune_progress_ratio}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>global step / total steps, 0..1</td></tr>
 *   <tr><td>{@code finetune_train_loss}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>loss of the last step (NaN until the first step)</td></tr>
 *   <tr><td>{@code finetune_train_epoch_loss}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>mean training loss of the last completed epoch</td></tr>
 *   <tr><td>{@code finetune_train_accuracy}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>training accuracy of the last completed epoch, 0..1</td></tr>
 *   <tr><td>{@code finetune_test_accuracy}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>test accuracy after the last completed epoch, 0..1</td></tr>
 *   <tr><td>{@code finetune_validation_accuracy}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>accuracy on spec.dataset.validation after the last evaluated epoch, 0..1 (NaN
 *       without one)</td></tr>
 *   <tr><td>{@code finetune_validation_loss}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>mean cross-entropy per image on the validation split (NaN without one)</td></tr>
 *   <tr><td>{@code finetune_validation_epoch}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>the epoch the validation numbers are from (0 before the first validation)</td></tr>
 *   <tr><td>{@code finetune_images_per_second}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>training throughput: smoothed per step, replaced by the epoch mean at epoch end</td>
 *   </tr>
 *   <tr><td>{@code finetune_eta_seconds}</td><td>gauge</td><td>namespace, job, run</td>
 *       <td>estimated seconds until the run finishes</td></tr>
 *   <tr><td>{@code finetune_baseline_test_accuracy}</td><td>gauge</td><td>namespace, job</td>
 *       <td>same value as {@code finetune_test_accuracy{run="baseline"}}</td></tr>
 *   <tr><td>{@code finetune_last_checkpoint_timestamp_seconds}</td><td>gauge</td>
 *       <td>namespace, job</td><td>unix time of the newest checkpoint (0: none yet)</td></tr>
 *   <tr><td>{@code finetune_attempt}</td><td>gauge (info)</td><td>namespace, job</td>
 *       <td>attempt number of this pod (1 = first try, 2 = first retry, ...)</td></tr>
 *   <tr><td>{@code finetune_images_processed_total}</td><td>counter</td><td>namespace, job, run
 *       </td><td>training images consumed by optimizer steps</td></tr>
 *   <tr><td>{@code finetune_checkpoints_written_total}</td><td>counter</td><td>namespace, job</td>
 *       <td>checkpoints written by this process</td></tr>
 *   <tr><td>{@code finetune_bad_images_skipped_total}</td><td>counter</td><td>namespace, job</td>
 *       <td>undecodable images skipped by this process</td></tr>
 *   <tr><td>{@code finetune_storage_unavailable}</td><td>gauge</td><td>namespace, job</td>
 *       <td>1 while object-storage calls fail and are being retried, 0 once one succeeds</td></tr>
 *   <tr><td>{@code finetune_storage_retries_total}</td><td>counter</td><td>namespace, job</td>
 *       <td>object-storage calls retried by this process after a transient failure</td></tr>
 *   <tr><td>{@code finetune_step_duration_seconds}</td><td>histogram</td>
 *       <td>namespace, job, run (+ le)</td><td>wall time of one optimizer step; exposed as
 *       {@code _bucket}, {@code _count}, {@code _sum}; buckets between 10 ms and 60 s</td></tr>
 *   <tr><td>{@code finetune_step_duration_seconds_max}</td><td>gauge</td><td>namespace, job, run
 *       </td><td>longest step in the recent (decaying) window</td></tr>
 * </table>
 *
 * <p>Per-run series appear once the run is first mentioned ({@link #runStarted} or any other
 * per-run call). Counters are per process: they restart at 0 in every attempt, which {@code
 * rate()}/{@code increase()} handle. All methods are thread-safe.
 */
public final class TrainingMetrics implements AutoCloseable {

  /** Value of the {@code run} label for the fine-tuning run. */
  public static final String RUN_FINETUNE = "finetune";

  /** Value of the {@code run} label for the baseline (pre-trained, not fine-tuned) evaluation. */
  public static final String RUN_BASELINE = "baseline";

  /** Content type of {@code GET /metrics}: what {@link #scrape()} produces (text format 0.0.4). */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** The only label names that ever appear, besides {@code le} on histogram buckets. */
  public static final Set<String> LABELS = Set.of("namespace", "job", "run");

  /** SLO buckets of the step-duration histogram, on top of Micrometer's percentile buckets. */
  static final Duration[] STEP_SLOS = {
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  private static final Logger LOG = LoggerFactory.getLogger(TrainingMetrics.class);
  private static final Set<String> RUNS = Set.of(RUN_FINETUNE, RUN_BASELINE);

  private final PrometheusMeterRegistry registry;
  private final Map<String, RunMeters> runs = new ConcurrentHashMap<>();
  private final DoubleHolder baselineTestAccuracy = new DoubleHolder(Double.NaN);
  private final DoubleHolder lastCheckpoint = new DoubleHolder(0);
  private final DoubleHolder attempt = new DoubleHolder(1);
  private final Counter checkpoints;
  private final Counter badImages;
  private final MetricsServer server;
  private volatile boolean closed;

  /**
   * Creates the registry and, for {@code port >= 0}, starts the HTTP server.
   *
   * @param namespace value of the {@code namespace} label (the FineTuneJob's namespace)
   * @param job value of the {@code job} label (the FineTuneJob's name)
   * @param port TCP port on 0.0.0.0; 0 picks a free one (see {@link #port()}); negative: no server,
   *     only {@link #scrape()}
   * @throws dev.finetune.trainer.error.TrainerException USAGE if the port cannot be bound
   */
  public TrainingMetrics(String namespace, String job, int port) {
    this(namespace, job, port, new StorageHealth());
  }

  /** As above, also exporting {@code storage} as the storage-outage gauge and retry counter. */
  public TrainingMetrics(String namespace, String job, int port, StorageHealth storage) {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(job, "job");
    registry = newRegistry();
    registry.config().commonTags("namespace", namespace, "job", job);

    gauge(
        "finetune.baseline.test.accuracy",
        null,
        "test accuracy of the baseline run, 0..1",
        Tags.empty(),
        baselineTestAccuracy);
    gauge(
        "finetune.last.checkpoint.timestamp",
        "seconds",
        "unix time of the newest checkpoint written by this process (0: none yet)",
        Tags.empty(),
        lastCheckpoint);
    gauge(
        "finetune.attempt",
        null,
        "attempt number of this trainer pod (1 = first try)",
        Tags.empty(),
        attempt);
    checkpoints =
        Counter.builder("finetune.checkpoints.written")
            .description("checkpoints written by this process")
            .register(registry);
    badImages =
        Counter.builder("finetune.bad.images.skipped")
            .description("undecodable images skipped by this process")
            .register(registry);
    Gauge.builder("finetune.storage.unavailable", storage, s -> s.unavailable() ? 1 : 0)
        .description("1 while object-storage calls fail and are retried, 0 once one succeeds")
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder("finetune.storage.retries", storage, StorageHealth::retries)
        .description("object-storage calls retried by this process after a transient failure")
        .register(registry);

    if (port < 0) {
      server = null;
      return;
    }
    try {
      server = MetricsServer.start(port, this::scrape);
    } catch (IOException e) {
      registry.close();
      throw new dev.finetune.trainer.error.TrainerException(
          dev.finetune.contract.ExitCode.USAGE,
          "--metrics-port "
              + port
              + ": cannot listen"
              + " ("
              + e.getClass().getSimpleName()
              + "); pass another port, 0 or -1");
    }
    LOG.info("serving Prometheus metrics on http://0.0.0.0:{}/metrics", port());
  }

  /** The bound port, or -1 when no server runs. */
  public int port() {
    return server == null ? -1 : server.port();
  }

  /** The current exposition, as {@code GET /metrics} answers it. */
  public String scrape() {
    return registry.scrape();
  }

  /** Declares a run: its series appear (step 0, progress 0) with the planned totals. */
  public void runStarted(String run, int totalEpochs, long totalSteps) {
    RunMeters m = run(run);
    m.totalEpochs.set(totalEpochs);
    m.totalSteps.set(totalSteps);
    m.updateProgress();
  }

  /**
   * Records one optimizer step.
   *
   * @param globalStep steps done so far in the run, this one included
   * @param epoch current epoch, 1-based
   * @param loss loss of this step
   * @param images images in this step's batch
   * @param stepTime wall time of this step
   * @param etaSeconds estimated seconds left in the run
   */
  public void stepCompleted(
      String run,
      long globalStep,
      int epoch,
      double loss,
      int images,
      Duration stepTime,
      double etaSeconds) {
    RunMeters m = run(run);
    m.globalStep.set(globalStep);
    m.epoch.set(epoch);
    m.loss.set(loss);
    m.eta.set(etaSeconds);
    m.updateProgress();
    if (images > 0) {
      m.images.increment(images);
    }
    if (stepTime != null && !stepTime.isNegative()) {
      m.stepDuration.record(stepTime);
      double seconds = stepTime.toNanos() / 1e9;
      if (images > 0 && seconds > 0) {
        m.smoothThroughput(images / seconds);
      }
    }
  }

  /**
   * Records the end of an epoch (accuracies in 0..1). An epoch that was not evaluated (NaN test and
   * validation numbers) keeps the last evaluated values, so a scrape between evaluations still
   * reads them.
   */
  public void epochCompleted(
      String run,
      int epoch,
      double trainLoss,
      double trainAccuracy,
      double testAccuracy,
      double validationAccuracy,
      double validationLoss,
      double imagesPerSecond) {
    RunMeters m = run(run);
    m.epoch.set(epoch);
    m.epochLoss.set(trainLoss);
    m.trainAccuracy.set(trainAccuracy);
    m.testAccuracy.set(testAccuracy);
    if (!Double.isNaN(validationAccuracy)) {
      m.validationAccuracy.set(validationAccuracy);
      m.validationLoss.set(validationLoss);
      m.validationEpoch.set(epoch);
    }
    m.imagesPerSecond.set(imagesPerSecond);
    if (RUN_BASELINE.equals(run)) {
      baselineTestAccuracy.set(testAccuracy);
    }
  }

  /** Records a checkpoint written at {@code when}. */
  public void checkpointWritten(Instant when) {
    checkpoints.increment();
    lastCheckpoint.set(when.getEpochSecond() + when.getNano() / 1e9);
  }

  /** Adds {@code n} skipped (undecodable) images. */
  public void badImagesSkipped(long n) {
    if (n > 0) {
      badImages.increment(n);
    }
  }

  /** Sets the attempt number of this pod (1 = first try). */
  public void attempt(int n) {
    attempt.set(n);
  }

  /** Stops the HTTP server (freeing the port) and closes the registry. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.close();
    }
    registry.close();
  }

  private static PrometheusMeterRegistry newRegistry() {
    try {
      return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    } catch (LinkageError e) {
      // Seen when another dependency drags in newer io.prometheus:prometheus-metrics-* jars than
      // the ones micrometer-registry-prometheus was built against: all must share one version.
      throw new IllegalStateException(
          "mixed io.prometheus:prometheus-metrics-* versions on the"
              + " class path (align them with micrometer-registry-prometheus): "
              + e,
          e);
    }
  }

  private RunMeters run(String run) {
    if (!RUNS.contains(run)) {
      throw new IllegalArgumentException(
          "run must be \"" + RUN_FINETUNE + "\" or \"" + RUN_BASELINE + "\", not " + run);
    }
    return runs.computeIfAbsent(run, r -> new RunMeters(Tags.of("run", r)));
  }

  private void gauge(String name, String unit, String help, Tags tags, DoubleHolder holder) {
    Gauge.builder(name, holder, DoubleHolder::get)
        .description(help)
        .baseUnit(unit)
        .tags(tags)
        .strongReference(true)
        .register(registry);
  }

  /** The meters of one run, registered together on first use. */
  private final class RunMeters {
    final DoubleHolder epoch = new DoubleHolder(0);
    final DoubleHolder totalEpochs = new DoubleHolder(0);
    final DoubleHolder globalStep = new DoubleHolder(0);
    final DoubleHolder totalSteps = new DoubleHolder(0);
    final DoubleHolder progress = new DoubleHolder(0);
    final DoubleHolder loss = new DoubleHolder(Double.NaN);
    final DoubleHolder epochLoss = new DoubleHolder(Double.NaN);
    final DoubleHolder trainAccuracy = new DoubleHolder(Double.NaN);
    final DoubleHolder testAccuracy = new DoubleHolder(Double.NaN);
    final DoubleHolder validationAccuracy = new DoubleHolder(Double.NaN);
    final DoubleHolder validationLoss = new DoubleHolder(Double.NaN);
    final DoubleHolder validationEpoch = new DoubleHolder(0);
    final DoubleHolder imagesPerSecond = new DoubleHolder(Double.NaN);
    final DoubleHolder eta = new DoubleHolder(Double.NaN);
    final Counter images;
    final Timer stepDuration;

    RunMeters(Tags tags) {
      gauge(
          "finetune.epoch", null, "current epoch, 1-based (0 before the first step)", tags, epoch);
      gauge("finetune.total.epochs", null, "epochs planned for the run", tags, totalEpochs);
      gauge(
          "finetune.global.step",
          null,
          "optimizer steps done so far, across epochs",
          tags,
          globalStep);
      gauge("finetune.total.steps", null, "optimizer steps planned for the run", tags, totalSteps);
      gauge("finetune.progress", "ratio", "global step / total steps, 0..1", tags, progress);
      gauge("finetune.train.loss", null, "training loss of the last step", tags, loss);
      gauge(
          "finetune.train.epoch.loss",
          null,
          "mean training loss of the last completed epoch",
          tags,
          epochLoss);
      gauge(
          "finetune.train.accuracy",
          null,
          "training accuracy of the last completed epoch, 0..1",
          tags,
          trainAccuracy);
      gauge(
          "finetune.test.accuracy",
          null,
          "test accuracy after the last completed epoch, 0..1",
          tags,
          testAccuracy);
      gauge(
          "finetune.validation.accuracy",
          null,
          "accuracy on the validation split after the last evaluated epoch, 0..1",
          tags,
          validationAccuracy);
      gauge(
          "finetune.validation.loss",
          null,
          "mean cross-entropy per image on the validation split",
          tags,
          validationLoss);
      gauge(
          "finetune.validation.epoch",
          null,
          "the epoch the validation numbers are from (0 before the first validation)",
          tags,
          validationEpoch);
      gauge(
          "finetune.images.per.second",
          null,
          "training throughput in images per second",
          tags,
          imagesPerSecond);
      gauge("finetune.eta", "seconds", "estimated seconds until the run finishes", tags, eta);
      images =
          Counter.builder("finetune.images.processed")
              .description("training images consumed by optimizer steps")
              .tags(tags)
              .register(registry);
      stepDuration =
          Timer.builder("finetune.step.duration")
              .description("wall time of one optimizer step")
              .tags(tags)
              .publishPercentileHistogram()
              .serviceLevelObjectives(STEP_SLOS)
              .minimumExpectedValue(STEP_SLOS[0])
              .maximumExpectedValue(STEP_SLOS[STEP_SLOS.length - 1])
              .register(registry);
    }

    void updateProgress() {
      double total = totalSteps.get();
      progress.set(total > 0 ? Math.min(1.0, Math.max(0.0, globalStep.get() / total)) : 0.0);
    }

    /** Exponentially weighted throughput, so the gauge is live before the first epoch ends. */
    void smoothThroughput(double sample) {
      double prev = imagesPerSecond.get();
      imagesPerSecond.set(Double.isNaN(prev) ? sample : 0.8 * prev + 0.2 * sample);
    }
  }

  /** A strongly referenced, thread-safe double that backs a gauge. */
  static final class DoubleHolder {
    private final AtomicLong bits;

    DoubleHolder(double initial) {
      bits = new AtomicLong(Double.doubleToRawLongBits(initial));
    }

    double get() {
      return Double.longBitsToDouble(bits.get());
    }

    void set(double v) {
      bits.set(Double.doubleToRawLongBits(v));
    }
  }
}
