package dev.finetune.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.checkpoint.FinalModelStore;
import dev.finetune.trainer.loop.EpochMetrics;
import dev.finetune.trainer.loop.TrainingSession;
import dev.finetune.trainer.model.Weights;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import dev.finetune.trainer.storage.StorageHealth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A job's final models and its result.json: each run's model is written to the local output folder
 * as soon as the run ends, and to its checkpoint location ({@link FinalModelStore}) once the job's
 * result is known, so that the fine-tune's model manifest, written last, lists result.json.
 */
final class FinalModelWriter {
  /** The names {@link #store} writes under model/ at most. */
  static final Set<String> MODEL_FILES =
      Set.of(
          StorageLayout.MODEL_FILE,
          StorageLayout.MODEL_METADATA,
          StorageLayout.RESULT_FILE,
          StorageLayout.MODEL_CARD_FILE,
          StorageLayout.LABELS_FILE);

  /** A finished run: its result and the final model's files, not yet in storage. */
  record Finished(
      RunPlan plan, RunResult result, Map<String, byte[]> files, Map<String, Object> meta) {}

  private final FineTuneJob job;
  private final Path output;
  private final Map<String, String> env;
  private final StorageHealth health;

  FinalModelWriter(FineTuneJob job, Path output, Map<String, String> env, StorageHealth health) {
    this.job = job;
    this.output = output;
    this.env = env;
    this.health = health;
  }

  /**
   * Writes a run's final model to {@code output/<run>/} (model.safetensors, model.json) and returns
   * it with {@code result}, for {@link #store}.
   */
  Finished local(
      RunPlan plan,
      TrainingSession session,
      List<String> classes,
      List<EpochMetrics> history,
      RunResult result) {
    byte[] weights = Weights.encode(session.net());
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("job", job.getMetadata().getName());
    meta.put("run", plan.run());
    meta.put("architecture", job.getSpec().model.architecture.id());
    meta.put("classes", classes);
    meta.put("normalize", job.getSpec().transforms.normalize);
    // What finetune serve needs to preprocess as evaluation did (ImagePipeline.forTest).
    meta.put("transforms", job.getSpec().transforms);
    meta.put("initialization", plan.source() == null ? "scratch" : plan.source().uri());
    meta.put("epochs", history);
    meta.put("lineage", plan.lineage());
    byte[] json = jsonBytes(meta);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(StorageLayout.MODEL_FILE, weights);
    files.put(StorageLayout.MODEL_METADATA, json);
    Path local = output.resolve(plan.run());
    try {
      Files.createDirectories(local);
      Files.write(local.resolve(StorageLayout.MODEL_FILE), weights);
      Files.write(local.resolve(StorageLayout.MODEL_METADATA), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Finished(plan, result, files, meta);
  }

  /**
   * The fine-tune's model card (README.md) and labels.json for {@code result}, written to {@code
   * output/<run>/} next to its weights; returned for {@link #store}.
   */
  Map<String, byte[]> card(Finished run, JobResult result) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(
        StorageLayout.MODEL_CARD_FILE,
        ModelCard.readme(job, result, run.plan().lineage(), env.get(ModelCard.IMAGE_VARIABLE)));
    files.put(StorageLayout.LABELS_FILE, ModelCard.labels(result.classes()));
    Path local = output.resolve(run.plan().run());
    try {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Files.write(local.resolve(f.getKey()), f.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** Refuses a run's location that holds another run's files, before anything is written. */
  void checkOwnership(RunPlan plan) {
    try (ObjectStore store = ObjectStores.open(plan.checkpointUri(), env, health)) {
      new FinalModelStore(store, plan.identity()).checkOwnership(MODEL_FILES);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a run's final model to storage: its files and {@code extra}, the manifest last. */
  void store(Finished run, Map<String, byte[]> extra) {
    Map<String, byte[]> files = new LinkedHashMap<>(run.files());
    files.putAll(extra);
    try (ObjectStore store = ObjectStores.open(run.plan().checkpointUri(), env, health)) {
      new FinalModelStore(store, run.plan().identity()).save(files, run.meta());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] jsonBytes(Object value) {
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
