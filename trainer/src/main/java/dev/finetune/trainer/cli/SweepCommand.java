package dev.finetune.trainer.cli;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.SweepObjective;
import dev.finetune.contract.ExitCode;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import dev.finetune.contract.sweep.Objectives;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.spec.SweepLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/** {@code finetune sweep SWEEP.yaml}: a FineTuneSweep on this machine, one trial at a time. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the FineTuneSweep in SWEEP.yaml on this machine, one trial at a time, with the"
          + " operator's trial names: each trial and the one from-scratch baseline is a"
          + " 'finetune train' into DIR/<name>; the median rule (spec.earlyStopping) stops"
          + " losing trials; the best trial's model is promoted to DIR/best/ with"
          + " promotion.json.",
      "Every other option (--metrics-port, --no-progress, --from-job, --cache-dir, ...) is"
          + " passed to each train."
    })
final class SweepCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SWEEP.yaml", description = "FineTuneSweep manifest.")
  Path manifest;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      defaultValue = "out/${SWEEP}",
      description =
          "Output folder: one folder per trial, trials/ (their FineTuneJobs) and"
              + " best/. Default: out/<sweep name>.")
  String output;

  @Unmatched List<String> trainOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    FineTuneSweep sweep =
        SweepLoader.load(manifest, Placement.LOCAL, UriSchemes.orTrainer(Optional.empty()));
    Optional<String> unmeasurable = Objectives.unmeasurable(sweep.getSpec());
    if (unmeasurable.isPresent()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, unmeasurable.get());
    }
    String name = sweep.getMetadata().getName();
    Path out = Path.of(output.replace("${SWEEP}", name));
    LocalSweep local =
        new LocalSweep(
            sweep,
            out,
            args -> {
              List<String> all = new ArrayList<>(List.of("train"));
              all.addAll(List.of(args));
              all.addAll(trainOptions);
              return Main.run(all.toArray(String[]::new));
            });
    List<LocalSweep.Outcome> trials = local.trials();
    LocalSweep.Outcome baseline = local.baseline();
    boolean minimize = sweep.getSpec().objective.direction == SweepObjective.Direction.MINIMIZE;
    LocalSweep.Outcome best = null;
    for (LocalSweep.Outcome t : trials) {
      if ("Succeeded".equals(t.phase())
          && t.objective() != null
          && (best == null
              || (minimize
                  ? t.objective() < best.objective()
                  : t.objective() > best.objective()))) {
        best = t;
      }
    }
    System.out.println();
    System.out.println("sweep " + name + ": " + trials.size() + " trials");
    for (LocalSweep.Outcome t : trials) {
      System.out.printf(
          Locale.ROOT,
          "  %-28s %-12s %s=%s  test=%s  %s%n",
          t.name(),
          t.phase(),
          Objectives.metric(sweep.getSpec().objective),
          t.objective(),
          t.testAccuracy(),
          t.assignment().text());
    }
    System.out.println(
        "  baseline "
            + baseline.name()
            + " "
            + baseline.phase()
            + " test="
            + baseline.testAccuracy());
    if (!"Succeeded".equals(baseline.phase())) {
      System.err.println(
          "error: the from-scratch baseline "
              + baseline.name()
              + " failed (exit "
              + baseline.exitCode()
              + "); no trial's gain can be measured and nothing is promoted");
      return baseline.exitCode();
    }
    if (best == null) {
      int code =
          trials.stream()
              .mapToInt(LocalSweep.Outcome::exitCode)
              .filter(c -> c != 0)
              .findFirst()
              .orElse(0);
      System.err.println(
          "error: no trial succeeded with a measured objective; nothing" + " promoted");
      return code;
    }
    System.out.println("  best " + best.name() + " (" + best.assignment().text() + ")");
    String notPromoted = local.promote(best, baseline, System.getenv());
    System.out.println(
        notPromoted == null ? "  promoted: " + out.resolve("best") : "  " + notPromoted);
    return 0;
  }
}
