package dev.finetune.contract.sweep;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.RealRange;
import dev.finetune.api.v1alpha1.sweep.SearchSpace;
import dev.finetune.api.v1alpha1.sweep.SweepAlgorithm;
import dev.finetune.api.v1alpha1.sweep.SweepParameter;
import dev.finetune.contract.SpecValidator;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.Violation;
import dev.finetune.contract.sweep.SweepFields.Kind;
import dev.finetune.contract.sweep.SweepFields.Leaf;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a FineTuneSweep must satisfy, judged from the object alone, each problem one line
 * naming the field and what is allowed. Beyond its own fields it builds every trial's spec and the
 * baseline's and runs them through {@link SpecValidator}, so a trial that would be refused never
 * starts.
 */
public final class SweepValidator {
  /** A sweep's name becomes a prefix of its trials' names and label values. */
  public static final int MAX_NAME = 63;

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private SweepValidator() {}

  public static List<Violation> validate(
      FineTuneSweep sweep, Placement placement, List<String> schemes) {
    List<Violation> v = new ArrayList<>();
    String apiVersion = FineTuneJob.GROUP + "/" + FineTuneJob.VERSION;
    if (!apiVersion.equals(sweep.getApiVersion())) {
      v.add(
          new Violation(
              "apiVersion", "must be " + apiVersion + ", got '" + sweep.getApiVersion() + "'"));
    }
    if (!"FineTuneSweep".equals(sweep.getKind())) {
      v.add(new Violation("kind", "must be FineTuneSweep, got '" + sweep.getKind() + "'"));
    }
    String name = sweep.getMetadata() == null ? null : sweep.getMetadata().getName();
    if (name == null || name.length() > MAX_NAME || !DNS_LABEL.matcher(name).matches()) {
      v.add(
          new Violation(
              "metadata.name",
              "must be a DNS-1123 label of at most "
                  + MAX_NAME
                  + " characters (lower case letters, digits and '-'), got '"
                  + name
                  + "'"));
    }
    FineTuneSweepSpec spec = sweep.getSpec();
    if (spec == null || spec.template == null) {
      v.add(new Violation(spec == null ? "spec" : "spec.template", "is required"));
      return v;
    }
    budget(spec, v);
    parameters(spec, v);
    if (v.isEmpty()) {
      trials(sweep, name, placement, schemes, v);
    }
    return v;
  }

  /** The first problem, or empty if the sweep is valid. */
  public static Optional<Violation> firstProblem(
      FineTuneSweep sweep, Placement placement, List<String> schemes) {
    List<Violation> v = validate(sweep, placement, schemes);
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  private static void budget(FineTuneSweepSpec spec, List<Violation> v) {
    range(v, "spec.parallelTrials", spec.parallelTrials, 1, 100, false);
    range(v, "spec.maxTrials", spec.maxTrials, 1, 1000, true);
    range(v, "spec.maxFailedTrials", spec.maxFailedTrials, 0, 1000, false);
    if (spec.objective == null
        || spec.objective.metric == null
        || spec.objective.direction == null) {
      v.add(
          new Violation(
              "spec.objective",
              "needs metric (validationAccuracy or validationLoss)"
                  + " and direction (maximize or minimize)"));
    }
    SweepAlgorithm a = spec.algorithm;
    if (a == null || a.type == null) {
      v.add(new Violation("spec.algorithm.type", "must be grid or random"));
    } else if (a.type == SweepAlgorithm.Type.RANDOM && spec.maxTrials == null) {
      v.add(
          new Violation(
              "spec.maxTrials",
              "is required with algorithm random (1-1000): how" + " many trials to draw"));
    } else if (a.type == SweepAlgorithm.Type.RANDOM && (a.seed == null || a.seed < 0)) {
      v.add(new Violation("spec.algorithm.seed", "must be 0 or more, got " + a.seed));
    }
  }

  private static void range(
      List<Violation> v, String field, Integer value, int min, int max, boolean optional) {
    if (value == null) {
      if (!optional) {
        v.add(new Violation(field, "must not be null; omit the field to use its default"));
      }
    } else if (value < min || value > max) {
      v.add(new Violation(field, "must be in [" + min + ", " + max + "], got " + value));
    }
  }

  private static void parameters(FineTuneSweepSpec spec, List<Violation> v) {
    if (spec.parameters == null || spec.parameters.isEmpty()) {
      v.add(new Violation("spec.parameters", "needs at least one {name, searchSpace}"));
      return;
    }
    if (spec.parameters.size() > FineTuneSweepSpec.MAX_PARAMETERS) {
      v.add(
          new Violation(
              "spec.parameters",
              "has "
                  + spec.parameters.size()
                  + " entries; at"
                  + " most "
                  + FineTuneSweepSpec.MAX_PARAMETERS
                  + " allowed"));
      return;
    }
    boolean grid = spec.algorithm != null && spec.algorithm.type == SweepAlgorithm.Type.GRID;
    Set<String> seen = new HashSet<>();
    int before = v.size();
    for (int i = 0; i < spec.parameters.size(); i++) {
      SweepParameter p = spec.parameters.get(i);
      String field = "spec.parameters[" + i + "]";
      if (p == null || p.name == null) {
        v.add(
            new Violation(
                field + ".name",
                "is required: a FineTuneJob spec field path such" + " as training.learningRate"));
        continue;
      }
      Optional<Leaf> leaf = SweepFields.find(p.name);
      if (leaf.isEmpty()) {
        v.add(
            new Violation(
                field + ".name",
                "'"
                    + p.name
                    + "' is not a sweepable FineTuneJob"
                    + " spec field; allowed: "
                    + String.join(", ", SweepFields.paths())));
        continue;
      }
      if (!seen.add(p.name)) {
        v.add(
            new Violation(
                field + ".name", "'" + p.name + "' is searched twice; name each" + " field once"));
      }
      space(field + ".searchSpace", p.searchSpace, leaf.get(), grid, v);
    }
    if (grid && v.size() == before) {
      long size = SearchPoints.gridSize(spec.parameters);
      if (size > SearchPoints.MAX_GRID_POINTS) {
        v.add(
            new Violation(
                "spec.parameters",
                "the grid has "
                    + size
                    + " points; at most "
                    + SearchPoints.MAX_GRID_POINTS
                    + " allowed: use fewer gridPoints or choices, or"
                    + " algorithm random with maxTrials"));
      }
    }
  }

  private static void space(
      String field, SearchSpace s, Leaf leaf, boolean grid, List<Violation> v) {
    int set =
        s == null
            ? 0
            : (s.uniform != null ? 1 : 0)
                + (s.logUniform != null ? 1 : 0)
                + (s.integer != null ? 1 : 0)
                + (s.categorical != null ? 1 : 0);
    if (set != 1) {
      v.add(
          new Violation(
              field, "set exactly one of uniform, logUniform, integer or" + " categorical"));
      return;
    }
    String takes = leaf.path() + " is " + SweepValues.words(leaf);
    if (s.uniform != null || s.logUniform != null) {
      String kind = s.uniform != null ? "uniform" : "logUniform";
      if (leaf.kind() != Kind.REAL) {
        v.add(
            new Violation(
                field + "." + kind,
                "needs a real-number field; "
                    + takes
                    + (leaf.kind() == Kind.INTEGER ? ": use integer" : ": use categorical")));
        return;
      }
      RealRange r = s.uniform != null ? s.uniform : s.logUniform;
      if (r.min == null || r.max == null || !Double.isFinite(r.min) || !Double.isFinite(r.max)) {
        v.add(new Violation(field + "." + kind, "needs finite min and max"));
      } else if (r.min > r.max) {
        v.add(
            new Violation(field + "." + kind, "is empty: min " + r.min + " is above max " + r.max));
      } else if (s.logUniform != null && r.min <= 0) {
        v.add(
            new Violation(
                field + ".logUniform.min", "must be above 0 (a log scale), got " + r.min));
      } else if (grid && r.gridPoints == null) {
        v.add(
            new Violation(
                field + "." + kind + ".gridPoints",
                "is required with algorithm"
                    + " grid (1-1000): how many values between min and max"));
      } else if (r.gridPoints != null && (r.gridPoints < 1 || r.gridPoints > 1000)) {
        v.add(
            new Violation(
                field + "." + kind + ".gridPoints", "must be in [1, 1000], got " + r.gridPoints));
      }
    } else if (s.integer != null) {
      if (leaf.kind() != Kind.INTEGER) {
        v.add(
            new Violation(
                field + ".integer",
                "needs an integer field; "
                    + takes
                    + (leaf.kind() == Kind.REAL
                        ? ": use uniform or logUniform"
                        : ": use categorical")));
      } else if (s.integer.min == null || s.integer.max == null) {
        v.add(new Violation(field + ".integer", "needs min and max"));
      } else if (s.integer.min > s.integer.max) {
        v.add(
            new Violation(
                field + ".integer",
                "is empty: min " + s.integer.min + " is above max " + s.integer.max));
      } else if (s.integer.step != null && s.integer.step < 1) {
        v.add(new Violation(field + ".integer.step", "must be 1 or more, got " + s.integer.step));
      }
    } else {
      List<String> choices = s.categorical.choices;
      if (choices == null || choices.isEmpty()) {
        v.add(
            new Violation(
                field + ".categorical.choices",
                "is empty; list at least one value" + " (" + takes + ")"));
        return;
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < choices.size(); i++) {
        String c = choices.get(i);
        try {
          Object value = SweepValues.parse(leaf, c);
          if (!seen.add(String.valueOf(value))) {
            v.add(
                new Violation(
                    field + ".categorical.choices[" + i + "]",
                    "'" + c + "' repeats an earlier choice"));
          }
        } catch (IllegalArgumentException e) {
          v.add(
              new Violation(
                  field + ".categorical.choices[" + i + "]",
                  e.getMessage() + " (" + leaf.path() + ")"));
        }
      }
    }
  }

  /** Every trial (and the baseline) as a FineTuneJob, through SpecValidator. */
  private static void trials(
      FineTuneSweep sweep,
      String name,
      Placement placement,
      List<String> schemes,
      List<Violation> v) {
    FineTuneSweepSpec spec = sweep.getSpec();
    List<Assignment> trials = SearchPoints.trials(spec);
    if (trials.isEmpty()) {
      v.add(new Violation("spec.parameters", "the search space has no points"));
      return;
    }
    for (Assignment a : trials) {
      String trial = TrialNames.trial(name, a);
      FineTuneJobSpec job;
      try {
        job = TrialSpecs.trial(spec, a, trial);
      } catch (IllegalArgumentException e) {
        v.add(new Violation("spec.parameters", "trial " + a.text() + ": " + e.getMessage()));
        return;
      }
      Optional<Violation> p =
          SpecValidator.firstProblem(asJob(sweep, trial, job), placement, schemes);
      if (p.isPresent()) {
        v.add(
            new Violation(
                template(p.get().field()),
                "trial " + a.text() + " would be" + " refused: " + p.get().problem()));
        return;
      }
    }
    String baseline = TrialNames.baseline(name);
    SpecValidator.firstProblem(
            asJob(sweep, baseline, TrialSpecs.baseline(spec, baseline)), placement, schemes)
        .ifPresent(
            p ->
                v.add(
                    new Violation(
                        template(p.field()),
                        "the sweep's from-scratch baseline would be refused: " + p.problem())));
  }

  /** A FineTuneJob's field as the template's: spec.training.x -> spec.template.training.x. */
  private static String template(String jobField) {
    return jobField.startsWith("spec.") ? "spec.template." + jobField.substring(5) : jobField;
  }

  static FineTuneJob asJob(FineTuneSweep sweep, String name, FineTuneJobSpec spec) {
    FineTuneJob job = new FineTuneJob();
    job.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(sweep.getMetadata() == null ? null : sweep.getMetadata().getNamespace())
            .build());
    job.setSpec(spec);
    return job;
  }
}
