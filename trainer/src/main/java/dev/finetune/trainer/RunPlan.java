package dev.finetune.trainer;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.contract.RunIdentity;
import dev.finetune.trainer.loop.Recipe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One run of a job, before it starts: the fine-tune, or the from-scratch baseline.
 *
 * @param run "finetune" or "baseline"
 * @param checkpointUri where its checkpoints and final model go
 * @param source the weights it starts from; null = scratch
 * @param datasetDigest the {@link dev.finetune.trainer.data.DatasetDigest} of the job's data
 * @param recipe optimizer settings
 * @param epochs epochs to train
 * @param identity what its manifests record and the only run it resumes from
 */
record RunPlan(
    String run,
    String checkpointUri,
    SourceModel source,
    String datasetDigest,
    Recipe recipe,
    int epochs,
    RunIdentity identity) {

  /**
   * The job's runs, fine-tune first, then the baseline when {@code spec.baseline.fromScratch} asks
   * for one (under {@code checkpointUri/baseline}).
   */
  static List<RunPlan> forJob(
      FineTuneJob job,
      String namespace,
      List<String> classes,
      String datasetDigest,
      SourceModel source,
      String checkpointUri) {
    FineTuneJobSpec spec = job.getSpec();
    var t = spec.training;
    BiFunction<String, SourceModel, RunIdentity> identity =
        (run, from) ->
            new RunIdentity(
                job.getMetadata().getName(),
                namespace,
                run,
                spec.model.architecture.id(),
                classes,
                datasetDigest,
                from == null ? "" : from.sha256(),
                RunIdentities.resultFields(spec, from == null));
    List<RunPlan> runs = new ArrayList<>();
    runs.add(
        new RunPlan(
            "finetune",
            checkpointUri,
            source,
            datasetDigest,
            new Recipe(
                t.learningRate,
                source == null ? 1 : t.headMultiplierOrDefault(),
                t.weightDecay,
                t.momentum,
                t.lossReduction,
                t.freeze),
            t.epochs,
            identity.apply("finetune", source)));
    if (spec.baseline != null && spec.baseline.fromScratch != null) {
      var scratch = spec.baseline.fromScratch;
      runs.add(
          new RunPlan(
              "baseline",
              checkpointUri + "/baseline",
              null,
              datasetDigest,
              new Recipe(
                  scratch.learningRate != null ? scratch.learningRate : t.learningRate,
                  1,
                  t.weightDecay,
                  t.momentum,
                  t.lossReduction,
                  List.of()),
              scratch.epochs != null ? scratch.epochs : t.epochs,
              identity.apply("baseline", null)));
    }
    return runs;
  }

  /** The same run with another recipe (training.recipe: auto's choice). */
  RunPlan withRecipe(Recipe chosen) {
    return new RunPlan(run, checkpointUri, source, datasetDigest, chosen, epochs, identity);
  }

  boolean transfer() {
    return source != null;
  }

  /** "pretrained:URI" or "scratch", as result.json records it. */
  String initialization() {
    return transfer() ? "pretrained:" + source.uri() : "scratch";
  }

  /**
   * sourceModelUri and sourceModelSha256 (of the bytes loaded; absent for scratch) and
   * datasetDigest: what the operator copies into status.lineage.
   */
  Map<String, Object> lineage() {
    Map<String, Object> lineage = new LinkedHashMap<>();
    if (source != null) {
      lineage.put("sourceModelUri", source.uri());
      lineage.put("sourceModelSha256", source.sha256());
    }
    lineage.put("datasetDigest", datasetDigest);
    return lineage;
  }
}
