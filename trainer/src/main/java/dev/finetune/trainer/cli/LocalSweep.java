package dev.finetune.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import dev.finetune.contract.StorageLayout;
import dev.finetune.contract.sweep.Assignment;
import dev.finetune.contract.sweep.MedianStop;
import dev.finetune.contract.sweep.Objectives;
import dev.finetune.contract.sweep.SearchPoints;
import dev.finetune.contract.sweep.TrialNames;
import dev.finetune.contract.sweep.TrialSpecs;
import dev.finetune.trainer.storage.ObjectStore;
import dev.finetune.trainer.storage.ObjectStores;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A FineTuneSweep on this machine, one trial at a time, with the operator's trial names: each trial
 * (and the one baseline) is a {@code finetune train} of its FineTuneJob (written to
 * DIR/trials/NAME.yaml) into DIR/NAME. With earlyStopping a trial is trained one evaluation
 * interval (training.evalEveryEpochs) more per train (each resumes from the last one's checkpoint)
 * and the median rule ({@link MedianStop}) compares its validation objective at each epoch with the
 * finished trials' at that epoch; a losing trial stops there, keeping its checkpoint. The best
 * finished trial by the objective is promoted: its final model folder (model.safetensors,
 * manifest.json, result.json, ...) is copied to DIR/best/ with promotion.json, unless its gain is
 * below promotion.minDelta.
 */
final class LocalSweep {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One trial's outcome: phase Succeeded, Failed (with train's exit code) or EarlyStopped, its
   * objective per epoch and its result.json.
   */
  record Outcome(
      String name,
      Assignment assignment,
      String phase,
      List<Double> curve,
      JsonNode result,
      int exitCode) {
    Double objective() {
      for (int i = curve.size() - 1; i >= 0; i--) {
        if (curve.get(i) != null) {
          return curve.get(i);
        }
      }
      return null;
    }

    Double testAccuracy() {
      JsonNode t = result == null ? null : result.path("finetune").path("testAccuracy");
      return t != null && t.isNumber() ? t.doubleValue() : null;
    }
  }

  private final FineTuneSweep sweep;
  private final Path out;
  private final Function<String[], Integer> train;
  private final boolean loss;

  /**
   * @param train runs {@code finetune train ARGS} and returns its exit code
   */
  LocalSweep(FineTuneSweep sweep, Path out, Function<String[], Integer> train) {
    this.sweep = sweep;
    this.out = out;
    this.train = train;
    this.loss = "validationLoss".equals(Objectives.metric(sweep.getSpec().objective));
  }

  List<Outcome> trials() {
    var spec = sweep.getSpec();
    String name = sweep.getMetadata().getName();
    int maxFailed = spec.maxFailedTrials == null ? 3 : spec.maxFailedTrials;
    List<Outcome> done = new ArrayList<>();
    int failed = 0;
    for (Assignment a : SearchPoints.trials(spec)) {
      String trial = TrialNames.trial(name, a);
      Outcome o = trial(trial, a, TrialSpecs.trial(spec, a, trial), done);
      done.add(o);
      System.out.println(
          "trial "
              + trial
              + " "
              + o.phase()
              + " ("
              + a.text()
              + ")"
              + (o.objective() == null
                  ? ""
                  : ", " + Objectives.metric(spec.objective) + " " + o.objective()));
      if ("Failed".equals(o.phase()) && ++failed > maxFailed) {
        System.out.println(
            failed
                + " trials failed, more than maxFailedTrials ("
                + maxFailed
                + "); the sweep stops");
        break;
      }
    }
    return done;
  }

  Outcome baseline() {
    String name = TrialNames.baseline(sweep.getMetadata().getName());
    FineTuneJobSpec spec = TrialSpecs.baseline(sweep.getSpec(), name);
    int code = train(name, spec);
    return new Outcome(
        name,
        null,
        code == 0 ? "Succeeded" : "Failed",
        List.of(),
        code == 0 ? result(name) : null,
        code);
  }

  private Outcome trial(String name, Assignment a, FineTuneJobSpec spec, List<Outcome> done) {
    var stopping = sweep.getSpec().earlyStopping;
    int epochs = spec.training.epochs;
    if (stopping == null) {
      int code = train(name, spec);
      return code != 0
          ? new Outcome(name, a, "Failed", List.of(), null, code)
          : new Outcome(name, a, "Succeeded", curve(result(name)), result(name), 0);
    }
    int min = stopping.minCompletedTrials == null ? 3 : stopping.minCompletedTrials;
    SweepObjective.Direction direction = sweep.getSpec().objective.direction;
    // The objective exists only at evaluated epochs (every evalEveryEpochs, and the last), so a
    // trial goes on one evaluation interval per train call, as the operator sees its trials.
    int every =
        Math.max(1, spec.training.evalEveryEpochs == null ? 1 : spec.training.evalEveryEpochs);
    for (int k = Math.min(every, epochs);
        k <= epochs;
        k = k == epochs ? epochs + 1 : Math.min(k + every, epochs)) {
      spec.training.epochs = k;
      int code = train(name, spec);
      if (code != 0) {
        return new Outcome(name, a, "Failed", List.of(), null, code);
      }
      JsonNode result = result(name);
      List<Double> curve = curve(result);
      Double value = curve.size() >= k ? curve.get(k - 1) : null;
      List<Double> completed = new ArrayList<>();
      for (Outcome c : done) {
        if ("Succeeded".equals(c.phase())
            && c.curve().size() >= k
            && c.curve().get(k - 1) != null) {
          completed.add(c.curve().get(k - 1));
        }
      }
      if (k < epochs && value != null && MedianStop.stop(direction, value, completed, min)) {
        System.out.printf(
            java.util.Locale.ROOT,
            "trial %s early-stopped at epoch %d: %.4f is"
                + " worse than the median %.4f of %d finished trials%n",
            name,
            k,
            value,
            MedianStop.median(completed),
            completed.size());
        return new Outcome(name, a, "EarlyStopped", curve, result, 0);
      }
      if (k == epochs) {
        return new Outcome(name, a, "Succeeded", curve, result, 0);
      }
    }
    throw new IllegalStateException("training.epochs must be >= 1");
  }

  /** The objective per epoch from result.json (null where the epoch was not validated). */
  private List<Double> curve(JsonNode result) {
    List<Double> curve = new ArrayList<>();
    for (JsonNode e : result.path("finetune").path("epochs")) {
      JsonNode v = e.path(loss ? "validationLoss" : "validationAccuracy");
      curve.add(v.isNumber() && Double.isFinite(v.doubleValue()) ? v.doubleValue() : null);
    }
    return curve;
  }

  private int train(String name, FineTuneJobSpec spec) {
    FineTuneJob job = new FineTuneJob();
    job.setMetadata(new ObjectMetaBuilder().withName(name).build());
    job.setSpec(spec);
    try {
      Path yaml = Files.createDirectories(out.resolve("trials")).resolve(name + ".yaml");
      Files.writeString(yaml, Serialization.asYaml(job));
      return train.apply(new String[] {yaml.toString(), "-o", out.resolve(name).toString()});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode result(String name) {
    try {
      return JSON.readTree(out.resolve(name).resolve(StorageLayout.RESULT_FILE).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Copies the best trial's final model folder to DIR/best/ and writes promotion.json; returns why
   * nothing was promoted, or null when it was. An existing DIR/best/promotion.json is never
   * overwritten.
   */
  String promote(Outcome best, Outcome baseline, Map<String, String> env) throws IOException {
    Path dir = out.resolve("best");
    Double gain =
        best.testAccuracy() == null || baseline.testAccuracy() == null
            ? null
            : best.testAccuracy() - baseline.testAccuracy();
    var promotion = sweep.getSpec().promotion;
    if (promotion != null
        && promotion.minDelta != null
        && (gain == null || gain < promotion.minDelta)) {
      return "best trial "
          + best.name()
          + " gains "
          + gain
          + " over the baseline, below"
          + " spec.promotion.minDelta "
          + promotion.minDelta
          + "; nothing promoted";
    }
    if (Files.exists(dir.resolve("promotion.json"))) {
      return dir + " holds a promoted model already (promotion.json); nothing overwritten";
    }
    String modelUri = best.result().path("finetune").path("modelUri").asText();
    String folder = modelUri.substring(0, modelUri.lastIndexOf('/'));
    Files.createDirectories(dir);
    try (ObjectStore store = ObjectStores.open(folder, env)) {
      for (String key : store.list("")) {
        if (!key.contains("/")) {
          store.get(key, dir.resolve(key));
        }
      }
    }
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("sweep", sweep.getMetadata().getName());
    lineage.put("trial", best.name());
    lineage.put("source", folder);
    lineage.put("parameters", best.assignment().values());
    lineage.put(
        "objective",
        Map.of("metric", Objectives.metric(sweep.getSpec().objective), "value", best.objective()));
    lineage.put("testAccuracy", best.testAccuracy());
    lineage.put("accuracyGain", gain);
    Files.write(
        dir.resolve("promotion.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(lineage));
    return null;
  }
}
