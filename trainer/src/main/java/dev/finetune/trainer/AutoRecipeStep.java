package dev.finetune.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.StorageLayout;
import dev.finetune.trainer.RunExecutor.JobInputs;
import dev.finetune.trainer.loop.Recipe;
import dev.finetune.trainer.loop.StopSignal;
import dev.finetune.trainer.probe.ProbeReport;
import dev.finetune.trainer.probe.RecipeProbe;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import dev.finetune.trainer.storage.StorageHealth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * training.recipe: auto, before the fine-tune: the fine-tune's plan with the probe's choice. A job
 * that already probed (its {@link StorageLayout#PROBE} was written by this run's identity, so the
 * job was preempted or failed after the probe) reads that choice and does not probe again.
 */
final class AutoRecipeStep {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The fine-tune's plan with the chosen recipe, and the report for result.json. */
  record Resolved(RunPlan plan, ProbeReport report) {}

  private AutoRecipeStep() {}

  static Resolved resolve(
      RunPlan finetune,
      JobInputs in,
      TrainOptions options,
      StopSignal stop,
      StorageHealth health,
      int dataWorkers) {
    JsonNode identity = JSON.valueToTree(finetune.identity().toMap());
    try (ObjectStore store = ObjectStores.open(finetune.checkpointUri(), options.env(), health)) {
      Optional<ProbeReport> stored = stored(store, identity);
      ProbeReport report;
      if (stored.isPresent()) {
        report = stored.get();
        LOG.info(
            "recipe: reusing this run's probe ({}): {}", StorageLayout.PROBE, report.summary());
      } else {
        report = RecipeProbe.run(inputs(finetune, in, dataWorkers), stop, LOG::info);
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("identity", identity);
        file.put("report", report);
        store.put(StorageLayout.PROBE, JSON.writeValueAsBytes(file));
      }
      Recipe r = finetune.recipe();
      Recipe chosen =
          new Recipe(
              r.learningRate(),
              report.chosen().headMultiplier(),
              r.weightDecay(),
              r.momentum(),
              r.lossReduction(),
              report.chosen().freeze());
      return new Resolved(finetune.withRecipe(chosen), report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Optional<ProbeReport> stored(ObjectStore store, JsonNode identity)
      throws IOException {
    Optional<byte[]> bytes = store.read(StorageLayout.PROBE);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode file = JSON.readTree(bytes.get());
      if (!identity.equals(file.get("identity"))) {
        LOG.info("recipe: {} belongs to another run; probing again", StorageLayout.PROBE);
        return Optional.empty();
      }
      return Optional.of(JSON.treeToValue(file.get("report"), ProbeReport.class));
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("recipe: {} is unreadable ({}); probing again", StorageLayout.PROBE, e.toString());
      return Optional.empty();
    }
  }

  private static RecipeProbe.Inputs inputs(RunPlan finetune, JobInputs in, int dataWorkers) {
    FineTuneJobSpec spec = in.job().getSpec();
    int epochs = finetune.epochs();
    int every = spec.training.evalEveryEpochs;
    long evaluations = epochs / every + (epochs % every == 0 ? 0 : 1);
    long perEvaluation =
        in.data().test().size()
            + (in.data().validation() == null ? 0 : in.data().validation().size());
    return new RecipeProbe.Inputs(
        spec.model.architecture,
        in.data().classes(),
        in.data().train(),
        in.train(),
        in.test(),
        finetune.recipe(),
        finetune.source().bytes(),
        finetune.source().uri(),
        spec.training.batchSize,
        epochs,
        evaluations * perEvaluation,
        spec.training.seed,
        dataWorkers,
        spec.dataset.maxBadImagesPercent,
        in.device());
  }
}
