package dev.finetune.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.FinalModelWriter.Finished;
import dev.finetune.trainer.RunExecutor.JobInputs;
import dev.finetune.trainer.base.CpuShare;
import dev.finetune.trainer.base.JvmHeap;
import dev.finetune.trainer.checkpoint.CheckpointSettings;
import dev.finetune.trainer.data.DatasetDigest;
import dev.finetune.trainer.data.DatasetLoader;
import dev.finetune.trainer.data.LoadedDataset;
import dev.finetune.trainer.data.batch.BadImagePolicy;
import dev.finetune.trainer.data.batch.SplitCheck;
import dev.finetune.trainer.data.fetch.ArchiveLimits;
import dev.finetune.trainer.data.fetch.Fetcher;
import dev.finetune.trainer.data.fetch.RetryPolicy;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.probe.ProbeReport;
import dev.finetune.trainer.storage.ObjectStores;
import dev.finetune.trainer.storage.StorageHealth;
import dev.finetune.trainer.telemetry.TrainingMetrics;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one FineTuneJob end to end: data, source model ({@link SourceModel}), the job's runs ({@link
 * RunPlan}: the fine-tune and an optional from-scratch baseline, each trained by a {@link
 * RunExecutor}), final models and result.json ({@link FinalModelWriter}). Every run resumes from
 * its newest valid checkpoint.
 */
public final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  private final TrainOptions options;
  private final StopSignal stop;
  private final StorageHealth storageHealth = new StorageHealth();
  private final OutputFolder output;

  public JobRunner(TrainOptions options, StopSignal stop) {
    this(options, stop, new OutputFolder(options.output()));
  }

  /**
   * With the output folder the caller watches: it holds the folder only once this run's ownership
   * checks have passed, and only then may a failure remove anything there.
   */
  public JobRunner(TrainOptions options, StopSignal stop, OutputFolder output) {
    this.options = options;
    this.stop = stop;
    this.output = output;
  }

  public JobResult run(FineTuneJob job) {
    CheckpointSettings settings = CheckpointSettings.resolve(job.getSpec(), options.output());
    long start = System.nanoTime();
    FineTuneJobSpec spec = job.getSpec();
    String name = job.getMetadata().getName();
    Integer gpus = spec.resources == null ? null : spec.resources.gpus;
    DeviceChoice choice =
        DeviceChoice.choose(
            gpus, DeviceChoice.visibleGpus(gpus, () -> Engine.getInstance().getGpuCount()));
    choice.warning().ifPresent(LOG::warn);
    Device device = choice.device();
    int dataWorkers = CpuShare.dataWorkers(options.dataWorkers(), options.cpus(), device.isGpu());
    LOG.info(
        "job {}: training on {} with {} CPUs: {} compute threads, {} data workers",
        name,
        device,
        options.cpus(),
        options.threads(),
        dataWorkers);
    LOG.info("job {}: JVM heap {}", name, JvmHeap.describe());
    Fetcher fetcher =
        new Fetcher(
            options.cacheDir().resolve("downloads"),
            uri -> ObjectStores.open(uri, options.env(), storageHealth),
            options.uriPolicy(),
            options.env(),
            ArchiveLimits.DEFAULT,
            RetryPolicy.DEFAULT.withDeadline(options.downloadDeadline()));
    LoadedDataset data = DatasetLoader.load(spec.dataset, spec.training.seed, fetcher);
    LOG.info(
        "dataset: {} classes {}, {} train and {} test images",
        data.classes().size(),
        data.classes(),
        data.train().size(),
        data.test().size());
    SplitCheck.check(data.test(), "spec.dataset.test", BadImagePolicy.of(spec.dataset));
    JobInputs inputs =
        new JobInputs(
            job,
            data,
            ImagePipeline.forTraining(spec.transforms),
            ImagePipeline.forTest(spec.transforms),
            device);
    SourceModel source = SourceModel.resolve(spec, fetcher, options.fromJobs());
    String datasetDigest = DatasetDigest.of(spec.dataset, fetcher);
    List<RunPlan> plans =
        RunPlan.forJob(
            job,
            options.namespace(),
            data.classes(),
            datasetDigest,
            source,
            settings.checkpointUri());
    RunPlan finetune = plans.get(0);
    RunPlan baselinePlan = plans.size() > 1 ? plans.get(1) : null;

    try (TrainingMetrics metrics =
        new TrainingMetrics(options.namespace(), name, options.metricsPort(), storageHealth)) {
      metrics.attempt(attempt(options.env()));
      FinalModelWriter writer =
          new FinalModelWriter(job, options.output(), options.env(), storageHealth);
      plans.forEach(writer::checkOwnership); // both runs, before either writes anything
      // From here on this run holds the output folder (its result.json, if any, must be this
      // run's): an earlier result.json of this run must not outlive it.
      output.hold(finetune.identity());
      RunExecutor executor =
          new RunExecutor(options, stop, storageHealth, inputs, settings, metrics);
      ProbeReport probe = null;
      if (spec.training.autoRecipe() && finetune.transfer()) {
        AutoRecipeStep.Resolved auto =
            AutoRecipeStep.resolve(finetune, inputs, options, stop, storageHealth, dataWorkers);
        finetune = auto.plan();
        probe = auto.report();
      }
      Finished main = executor.run(finetune);
      Finished baseline = null;
      if (baselinePlan != null) {
        baseline = executor.run(baselinePlan);
        writer.store(baseline, Map.of());
      }
      RunResult base = baseline == null ? null : baseline.result();
      Double gain = base == null ? null : main.result().testAccuracy() - base.testAccuracy();
      JobResult result =
          new JobResult(
              name,
              options.namespace(),
              device.toString(),
              data.classes(),
              data.train().size(),
              data.test().size(),
              main.result(),
              base,
              gain,
              (System.nanoTime() - start) / 1e9,
              finetune.identity().toMap(),
              probe);
      byte[] resultJson = FinalModelWriter.jsonBytes(result);
      // result.json, the model card and labels.json go next to the final model and are listed
      // in its manifest, which is written last: a model/manifest.json in storage means the
      // whole job's result is there.
      Map<String, byte[]> extra = new java.util.LinkedHashMap<>(writer.card(main, result));
      extra.put(StorageLayout.RESULT_FILE, resultJson);
      writer.store(main, extra);
      output.writeResult(resultJson);
      return result;
    }
  }

  /**
   * Attempt number set by the operator (FINETUNE_ATTEMPT), 1 for local runs, plus the pods a queued
   * job's Job replaced before this one (FINETUNE_JOB_FAILURES, FINETUNE_JOB_IGNORED_FAILURES: the
   * Job controller's counts, empty for a first pod).
   */
  static int attempt(Map<String, String> env) {
    return Math.max(1, count(env, "FINETUNE_ATTEMPT", 1))
        + count(env, "FINETUNE_JOB_FAILURES", 0)
        + count(env, "FINETUNE_JOB_IGNORED_FAILURES", 0);
  }

  private static int count(Map<String, String> env, String name, int absent) {
    String v = env.getOrDefault(name, "").trim();
    try {
      return v.isEmpty() ? absent : Math.max(0, Integer.parseInt(v));
    } catch (NumberFormatException e) {
      return absent;
    }
  }
}
