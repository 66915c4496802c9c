package dev.finetune.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.trainer.checkpoint.CheckpointStore;
import dev.finetune.trainer.checkpoint.FinalModelStore;
import dev.finetune.contract.RunIdentity;
import dev.finetune.trainer.data.fetch.ArchiveLimits;
import dev.finetune.trainer.data.batch.BadImagePolicy;
import dev.finetune.trainer.data.batch.SplitCheck;
import dev.finetune.trainer.data.DatasetDigest;
import dev.finetune.trainer.data.DatasetLoader;
import dev.finetune.trainer.data.fetch.Fetcher;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.data.LoadedDataset;
import dev.finetune.trainer.data.fetch.RetryPolicy;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.listeners.CheckpointListener;
import dev.finetune.trainer.listeners.MetricsListener;
import dev.finetune.trainer.listeners.ProgressListener;
import dev.finetune.trainer.loop.EpochMetrics;
import dev.finetune.trainer.loop.Recipe;
import dev.finetune.trainer.loop.RunLoop;
import dev.finetune.trainer.loop.RunState;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.loop.TrainingEvents;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.model.ResNet;
import dev.finetune.trainer.model.Weights;
import dev.finetune.trainer.model.WeightsFile;
import dev.finetune.trainer.observe.TrainingMetrics;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import dev.finetune.trainer.storage.StorageHealth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one FineTuneJob end to end: data, source model, fine-tune run, optional from-scratch
 * baseline, final models and result.json. Every run resumes from its newest valid checkpoint.
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
   * With the output folder the caller watches: it holds the folder only once this run's
   * ownership checks have passed, and only then may a failure remove anything there.
   */
  public JobRunner(TrainOptions options, StopSignal stop, OutputFolder output) {
    this.options = options;
    this.stop = stop;
    this.output = output;
  }

  public JobResult run(FineTuneJob job) {
    return run(job, RunConfig.resolve(job.getSpec(), options.output()));
  }

  /** Runs the job with its checkpoint settings already resolved. */
  public JobResult run(FineTuneJob job, RunConfig config) {
    long start = System.nanoTime();
    FineTuneJobSpec spec = job.getSpec();
    String name = job.getMetadata().getName();
    Integer gpus = spec.resources == null ? null : spec.resources.gpus;
    DeviceChoice choice = DeviceChoice.choose(gpus,
        DeviceChoice.visibleGpus(gpus, () -> Engine.getInstance().getGpuCount()));
    choice.warning().ifPresent(LOG::warn);
    Device device = choice.device();
    int dataWorkers = CpuShare.dataWorkers(options.dataWorkers(), options.cpus(), device.isGpu());
    LOG.info("job {}: training on {} with {} CPUs: {} compute threads, {} data workers", name,
        device, options.cpus(), options.threads(), dataWorkers);
    Fetcher fetcher = new Fetcher(options.cacheDir().resolve("downloads"),
        uri -> ObjectStores.open(uri, options.env(), storageHealth), options.uriPolicy(),
        options.env(), ArchiveLimits.DEFAULT,
        RetryPolicy.DEFAULT.withDeadline(options.downloadDeadline()));
    LoadedDataset data = DatasetLoader.load(spec.dataset, spec.training.seed, fetcher);
    LOG.info("dataset: {} classes {}, {} train and {} test images", data.classes().size(),
        data.classes(), data.train().size(), data.test().size());
    SplitCheck.check(data.test(), "spec.dataset.test", BadImagePolicy.of(spec.dataset));
    ImagePipeline train = ImagePipeline.forTraining(spec.transforms);
    ImagePipeline test = ImagePipeline.forTest(spec.transforms);
    Source source = resolveSource(spec, fetcher);
    String datasetDigest = DatasetDigest.of(spec.dataset, fetcher);

    String checkpointUri = config.checkpointUri();
    try (TrainingMetrics metrics =
        new TrainingMetrics(options.namespace(), name, options.metricsPort(), storageHealth)) {
      metrics.attempt(attempt(options.env()));
      RunSpec finetune = new RunSpec("finetune", checkpointUri, source, datasetDigest,
          new Recipe(spec.training.learningRate,
              source == null ? 1 : spec.training.headLearningRateMultiplier,
              spec.training.weightDecay, spec.training.momentum, spec.training.lossReduction,
              spec.training.freeze),
          spec.training.epochs);
      RunSpec baselineSpec = null;
      if (spec.baseline != null && spec.baseline.fromScratch != null) {
        var scratch = spec.baseline.fromScratch;
        baselineSpec = new RunSpec("baseline", checkpointUri + "/baseline", null,
            datasetDigest,
            new Recipe(scratch.learningRate != null ? scratch.learningRate : spec.training.learningRate,
                1, spec.training.weightDecay, spec.training.momentum, spec.training.lossReduction,
                List.of()),
            scratch.epochs != null ? scratch.epochs : spec.training.epochs);
      }
      checkOwnership(job, finetune, data); // both runs, before either writes anything
      if (baselineSpec != null) {
        checkOwnership(job, baselineSpec, data);
      }
      // From here on this run holds the output folder (its result.json, if any, must be this
      // run's): an earlier result.json of this run must not outlive it.
      output.hold(identity(job, finetune, data));
      Finished main = run(job, config, finetune, data, train, test, metrics, device);
      Finished baseline = null;
      if (baselineSpec != null) {
        baseline = run(job, config, baselineSpec, data, train, test, metrics, device);
        saveFinalModel(baseline, Map.of());
      }
      RunResult base = baseline == null ? null : baseline.result();
      Double gain = base == null ? null : main.result().testAccuracy() - base.testAccuracy();
      JobResult result = new JobResult(name, options.namespace(), device.toString(),
          data.classes(), data.train().size(), data.test().size(), main.result(), base, gain,
          (System.nanoTime() - start) / 1e9, main.identity().toMap());
      byte[] resultJson = jsonBytes(result);
      // result.json goes next to the final model and is listed in its manifest, which is
      // written last: a model/manifest.json in storage means the whole job's result is there.
      saveFinalModel(main, Map.of(StorageLayout.RESULT_FILE, resultJson));
      output.writeResult(resultJson);
      return result;
    }
  }

  /** A finished run: its result and the final model's files, not yet in storage. */
  private record Finished(RunSpec spec, RunIdentity identity, RunResult result,
      Map<String, byte[]> files, Map<String, Object> meta) {}

  /**
   * One run's identity: name, checkpoint location, source weights (null = scratch), the dataset's
   * {@link DatasetDigest}, recipe.
   */
  private record RunSpec(String run, String checkpointUri, Source source, String datasetDigest,
      Recipe recipe, int epochs) {}

  /** Source weights and where they came from. */
  private record Source(String uri, byte[] bytes) {}

  /** The identity that this run's manifests record and that it resumes only from. */
  private RunIdentity identity(FineTuneJob job, RunSpec rs, LoadedDataset data) {
    return new RunIdentity(job.getMetadata().getName(), options.namespace(), rs.run(),
        job.getSpec().model.architecture.id(), data.classes(), rs.datasetDigest(),
        rs.source() == null ? "" : Sha256.hex(rs.source().bytes()),
        RunIdentities.resultFields(job.getSpec(), rs.source() == null));
  }

  private static final java.util.Set<String> MODEL_FILES =
      java.util.Set.of(StorageLayout.MODEL_FILE, StorageLayout.MODEL_METADATA, StorageLayout.RESULT_FILE);

  private void checkOwnership(FineTuneJob job, RunSpec rs, LoadedDataset data) {
    try (ObjectStore store = ObjectStores.open(rs.checkpointUri(), options.env(), storageHealth)) {
      new FinalModelStore(store, identity(job, rs, data)).checkOwnership(MODEL_FILES);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Finished run(FineTuneJob job, RunConfig config, RunSpec rs, LoadedDataset data,
      ImagePipeline train, ImagePipeline test, TrainingMetrics metrics, Device device) {
    FineTuneJobSpec spec = job.getSpec();
    boolean transfer = rs.source() != null;
    int keep = config.keep();
    int every = config.everyEpochs();
    List<String> checkpoints = new ArrayList<>();
    try (ObjectStore store = ObjectStores.open(rs.checkpointUri(), options.env(), storageHealth);
        TrainingSession session = TrainingSession.open(
            new ResNet(spec.model.architecture, data.classes().size()), rs.recipe(),
            spec.training.seed, transfer, 32, device, List.of())) {
      CheckpointStore checkpointStore = new CheckpointStore(store, keep,
          identity(job, rs, data));
      CheckpointListener checkpointer = new CheckpointListener(checkpointStore, session, every)
          .onWritten(info -> {
            checkpoints.add(info.uri());
            metrics.checkpointWritten(java.time.Instant.now());
            LOG.info("{}: checkpoint {} (epoch {}, step {})", rs.run(), info.uri(), info.epoch(),
                info.step());
          });
      RunState from = checkpointer.restore(LOG::warn).orElse(null);
      long resumedFrom = 0;
      if (from != null && from.epoch() > rs.epochs()) {
        throw new TrainerException(ExitCode.RUN_MISMATCH, rs.checkpointUri() + " holds a"
            + " checkpoint with " + from.epoch() + " epochs done, more than the " + rs.epochs()
            + " this spec asks for; use another checkpoint location (spec.checkpoints.uri or"
            + " --output) or delete the old files");
      }
      if (from != null) {
        resumedFrom = from.step();
        LOG.info("{}: resuming from the newest valid checkpoint: {} epoch(s) done, step {}{}",
            rs.run(), from.epoch(), from.step(),
            from.batch() > 0 ? ", batch " + from.batch() + " of epoch " + (from.epoch() + 1) : "");
      } else {
        from = RunState.start();
        if (transfer) {
          List<String> loaded = Weights.load(session.net(), rs.source().bytes(), rs.source().uri(),
              n -> n.startsWith(ResNet.HEAD + "."));
          LOG.info("{}: copied {} tensors from {}; new {}-class output layer (Xavier)", rs.run(),
              loaded.size(), rs.source().uri(), data.classes().size());
        }
      }
      session.applyFreeze();
      RunLoop.Plan plan = new RunLoop.Plan(rs.run(), data.train(), data.test(), train, test,
          rs.epochs(), spec.training.batchSize, spec.training.evalEveryEpochs, spec.training.seed,
          CpuShare.dataWorkers(options.dataWorkers(), options.cpus(), device.isGpu()),
          spec.dataset.maxBadImagesPercent);
      List<TrainingEvents> listeners = List.of(
          new ProgressListener(options.interactive(), System.err),
          new MetricsListener(metrics), checkpointer);
      RunState end = new RunLoop(plan, session, listeners, stop).run(from);
      List<EpochMetrics> history = end.history();
      double accuracy = history.isEmpty() ? Double.NaN : history.get(history.size() - 1).testAccuracy();
      Finished model = finalModel(job, rs, session, data, history);
      return new Finished(rs, model.identity(), new RunResult(rs.run(), transfer ? "pretrained:" + rs.source().uri()
          : "scratch", history, accuracy, checkpointStore.finalModelUri() + "/" + StorageLayout.MODEL_FILE,
          checkpoints, resumedFrom), model.files(), model.meta());
    }
  }

  /** The final model's files (written locally now) and manifest metadata. */
  private Finished finalModel(FineTuneJob job, RunSpec rs, TrainingSession session,
      LoadedDataset data, List<EpochMetrics> history) {
    byte[] weights = Weights.encode(session.net());
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("job", job.getMetadata().getName());
    meta.put("run", rs.run());
    meta.put("architecture", job.getSpec().model.architecture.id());
    meta.put("classes", data.classes());
    meta.put("normalize", job.getSpec().transforms.normalize);
    meta.put("initialization", rs.source() == null ? "scratch" : rs.source().uri());
    meta.put("epochs", history);
    meta.put("lineage", lineage(rs));
    byte[] json = jsonBytes(meta);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(StorageLayout.MODEL_FILE, weights);
    files.put(StorageLayout.MODEL_METADATA, json);
    Path local = options.output().resolve(rs.run());
    try {
      Files.createDirectories(local);
      Files.write(local.resolve(StorageLayout.MODEL_FILE), weights);
      Files.write(local.resolve(StorageLayout.MODEL_METADATA), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Finished(rs, identity(job, rs, data), null, files, meta);
  }

  /** Writes a run's final model to storage: its files and {@code extra}, the manifest last. */
  private void saveFinalModel(Finished run, Map<String, byte[]> extra) {
    Map<String, byte[]> files = new LinkedHashMap<>(run.files());
    files.putAll(extra);
    try (ObjectStore store = ObjectStores.open(run.spec().checkpointUri(), options.env(),
        storageHealth)) {
      new FinalModelStore(store, run.identity()).save(files, run.meta());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * sourceModelUri and sourceModelSha256 (of the bytes loaded; absent for scratch) and
   * datasetDigest: what the operator copies into status.lineage.
   */
  static Map<String, Object> lineage(String sourceUri, byte[] sourceBytes, String datasetDigest) {
    Map<String, Object> lineage = new LinkedHashMap<>();
    if (sourceBytes != null) {
      lineage.put("sourceModelUri", sourceUri);
      lineage.put("sourceModelSha256", Sha256.hex(sourceBytes));
    }
    lineage.put("datasetDigest", datasetDigest);
    return lineage;
  }

  private static Map<String, Object> lineage(RunSpec rs) {
    return rs.source() == null ? lineage(null, null, rs.datasetDigest())
        : lineage(rs.source().uri(), rs.source().bytes(), rs.datasetDigest());
  }

  private Source resolveSource(FineTuneJobSpec spec, Fetcher fetcher) {
    if (spec.model.pretrained == null) {
      return null;
    }
    String uri = spec.model.pretrained.uri;
    String field = "spec.model.pretrained.uri";
    if (spec.model.pretrained.fromJob != null) {
      String jobName = spec.model.pretrained.fromJob;
      uri = options.fromJobs().get(jobName);
      field = "--from-job " + jobName;
      if (uri == null) {
        throw new TrainerException(ExitCode.NOT_FOUND, "spec.model.pretrained.fromJob: no model"
            + " known for FineTuneJob '" + jobName + "'; pass --from-job " + jobName + "=URI"
            + " (the job's model.safetensors or its output folder)");
      }
    }
    Path path = fetcher.fetch(field, uri);
    if (Files.isDirectory(path)) {
      Path candidate = path.resolve(StorageLayout.MODEL_FILE);
      if (!Files.isRegularFile(candidate)) {
        candidate = path.resolve("finetune").resolve(StorageLayout.MODEL_FILE);
      }
      path = candidate;
    }
    return new Source(uri, WeightsFile.read(path, field + " " + uri, WeightsFile.limit()));
  }

  /** Attempt number set by the operator (FINETUNE_ATTEMPT), 1 for local runs. */
  static int attempt(Map<String, String> env) {
    try {
      return Math.max(1, Integer.parseInt(env.getOrDefault("FINETUNE_ATTEMPT", "1").trim()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  static byte[] jsonBytes(Object value) {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
