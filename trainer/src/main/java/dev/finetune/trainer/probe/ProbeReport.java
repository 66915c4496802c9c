package dev.finetune.trainer.probe;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.finetune.contract.AutoRecipe.Candidate;
import java.util.List;
import java.util.Locale;

/**
 * What {@code recipe: auto} tried and chose: result.json's {@code recipe}, the model card's table,
 * the log's table and, through {@link #summary}, status.recipe.
 *
 * @param mode "auto"
 * @param chosen the candidate the fine-tune trains with
 * @param folds k of the k-fold probe
 * @param stepsPerFold optimisation steps per candidate and fold
 * @param batchSize images per probe step
 * @param budgetShare the probe's planned compute over the fine-tune's (at most 0.2)
 * @param seconds the probe's wall time
 * @param candidates every candidate in tie-break order, with its scores or why it was dropped
 * @param summary one line, e.g. "auto: freeze layer2, head x10 (validation 0.8500 of 12 candidates,
 *     2 folds, 17% of the run's compute)"
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProbeReport(
    String mode,
    Chosen chosen,
    int folds,
    int stepsPerFold,
    int batchSize,
    double budgetShare,
    double seconds,
    List<Row> candidates,
    String summary) {

  /** The chosen candidate as the fine-tune uses it. */
  public record Chosen(
      String depth, double headMultiplier, List<String> freeze, Double validationAccuracy) {}

  /**
   * One candidate's scores: validation accuracy per fold and their mean, mean validation loss
   * (cross-entropy per image); null with the reason in {@code dropped} when it diverged.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Row(
      String depth,
      double headMultiplier,
      List<Double> foldAccuracies,
      Double validationAccuracy,
      Double validationLoss,
      String dropped) {
    Candidate candidate() {
      return new Candidate(depth, headMultiplier);
    }
  }

  /** The table the log and the model card show: one row per candidate, the chosen one marked. */
  public List<String> table() {
    List<String> lines = new java.util.ArrayList<>();
    lines.add("| candidate | validation accuracy | validation loss | folds |");
    lines.add("|---|---|---|---|");
    for (Row r : candidates) {
      boolean isChosen =
          r.depth().equals(chosen.depth()) && r.headMultiplier() == chosen.headMultiplier();
      lines.add(
          "| "
              + r.candidate().label()
              + (isChosen ? " (chosen)" : "")
              + " | "
              + (r.validationAccuracy() == null ? "dropped" : fmt(r.validationAccuracy()))
              + " | "
              + (r.validationLoss() == null ? "-" : fmt(r.validationLoss()))
              + " | "
              + (r.dropped() != null
                  ? r.dropped()
                  : String.join(", ", r.foldAccuracies().stream().map(ProbeReport::fmt).toList()))
              + " |");
    }
    return lines;
  }

  static String fmt(double d) {
    return String.format(Locale.ROOT, "%.4f", d);
  }
}
