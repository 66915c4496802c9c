package dev.finetune.trainer;

import ai.djl.Device;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.FinalModelWriter.Finished;
import dev.finetune.trainer.base.CpuShare;
import dev.finetune.trainer.checkpoint.CheckpointSettings;
import dev.finetune.trainer.checkpoint.CheckpointStore;
import dev.finetune.trainer.data.LoadedDataset;
import dev.finetune.trainer.data.transform.ImagePipeline;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.listeners.CheckpointListener;
import dev.finetune.trainer.listeners.MetricsListener;
import dev.finetune.trainer.listeners.ProgressListener;
import dev.finetune.trainer.loop.EpochMetrics;
import dev.finetune.trainer.loop.RunLoop;
import dev.finetune.trainer.loop.RunState;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.loop.TrainingEvents;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.model.ResNet;
import dev.finetune.trainer.model.Weights;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import dev.finetune.trainer.storage.StorageHealth;
import dev.finetune.trainer.telemetry.TrainingMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one {@link RunPlan} of a job: resumes from its newest valid checkpoint (or copies the
 * source weights into a fresh network), runs the {@link RunLoop} with progress, metrics and
 * checkpoint listeners, and hands the final model to the {@link FinalModelWriter}.
 */
final class RunExecutor {
  // Logs under JobRunner's name, as before this class was split from it.
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  /** What every run of a job shares: the job, its data, the transforms and the device. */
  record JobInputs(
      FineTuneJob job,
      LoadedDataset data,
      ImagePipeline train,
      ImagePipeline test,
      Device device) {}

  private final TrainOptions options;
  private final StopSignal stop;
  private final StorageHealth storageHealth;
  private final JobInputs in;
  private final CheckpointSettings settings;
  private final TrainingMetrics metrics;
  private final FinalModelWriter writer;

  RunExecutor(
      TrainOptions options,
      StopSignal stop,
      StorageHealth storageHealth,
      JobInputs in,
      CheckpointSettings settings,
      TrainingMetrics metrics) {
    this.options = options;
    this.stop = stop;
    this.storageHealth = storageHealth;
    this.in = in;
    this.settings = settings;
    this.metrics = metrics;
    this.writer = new FinalModelWriter(in.job(), options.output(), options.env(), storageHealth);
  }

  Finished run(RunPlan rs) {
    FineTuneJobSpec spec = in.job().getSpec();
    LoadedDataset data = in.data();
    Device device = in.device();
    boolean transfer = rs.transfer();
    List<String> checkpoints = new ArrayList<>();
    try (ObjectStore store = ObjectStores.open(rs.checkpointUri(), options.env(), storageHealth);
        TrainingSession session =
            TrainingSession.open(
                new ResNet(spec.model.architecture, data.classes().size()),
                rs.recipe(),
                spec.training.seed,
                transfer,
                32,
                device,
                List.of())) {
      CheckpointStore checkpointStore = new CheckpointStore(store, settings.keep(), rs.identity());
      CheckpointListener checkpointer =
          new CheckpointListener(checkpointStore, session, settings.everyEpochs())
              .onWritten(
                  info -> {
                    checkpoints.add(info.uri());
                    metrics.checkpointWritten(Instant.now());
                    LOG.info(
                        "{}: checkpoint {} (epoch {}, step {})",
                        rs.run(),
                        info.uri(),
                        info.epoch(),
                        info.step());
                  });
      RunState from = checkpointer.restore(LOG::warn).orElse(null);
      long resumedFrom = 0;
      if (from != null && from.epoch() > rs.epochs()) {
        throw new TrainerException(
            ExitCode.RUN_MISMATCH,
            rs.checkpointUri()
                + " holds a"
                + " checkpoint with "
                + from.epoch()
                + " epochs done, more than the "
                + rs.epochs()
                + " this spec asks for; use another checkpoint location (spec.checkpoints.uri or"
                + " --output) or delete the old files");
      }
      if (from != null) {
        resumedFrom = from.step();
        LOG.info(
            "{}: resuming from the newest valid checkpoint: {} epoch(s) done, step {}{}",
            rs.run(),
            from.epoch(),
            from.step(),
            from.batch() > 0 ? ", batch " + from.batch() + " of epoch " + (from.epoch() + 1) : "");
      } else {
        from = RunState.start();
        if (transfer) {
          List<String> loaded =
              Weights.load(
                  session.net(),
                  rs.source().bytes(),
                  rs.source().uri(),
                  n -> n.startsWith(ResNet.HEAD + "."));
          LOG.info(
              "{}: copied {} tensors from {}; new {}-class output layer (Xavier)",
              rs.run(),
              loaded.size(),
              rs.source().uri(),
              data.classes().size());
        }
      }
      session.applyFreeze();
      RunLoop.Plan plan =
          new RunLoop.Plan(
              rs.run(),
              data.train(),
              data.test(),
              data.validation(),
              in.train(),
              in.test(),
              rs.epochs(),
              spec.training.batchSize,
              spec.training.evalEveryEpochs,
              spec.training.seed,
              CpuShare.dataWorkers(options.dataWorkers(), options.cpus(), device.isGpu()),
              spec.dataset.maxBadImagesPercent);
      List<TrainingEvents> listeners =
          List.of(
              new ProgressListener(options.interactive(), System.err),
              new MetricsListener(metrics),
              checkpointer);
      RunState end = new RunLoop(plan, session, listeners, stop).run(from);
      List<EpochMetrics> history = end.history();
      double accuracy =
          history.isEmpty() ? Double.NaN : history.get(history.size() - 1).testAccuracy();
      RunResult result =
          new RunResult(
              rs.run(),
              rs.initialization(),
              history,
              accuracy,
              checkpointStore.finalModelUri() + "/" + StorageLayout.MODEL_FILE,
              checkpoints,
              resumedFrom);
      return writer.local(rs, session, data.classes(), history, result);
    }
  }
}
