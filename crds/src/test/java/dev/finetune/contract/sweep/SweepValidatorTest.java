package dev.finetune.contract.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.sweep.SearchSpace;
import dev.finetune.api.v1alpha1.sweep.SweepAlgorithm;
import dev.finetune.api.v1alpha1.sweep.SweepParameter;
import dev.finetune.contract.SpecValidator.Placement;
import dev.finetune.contract.UriSchemes;
import dev.finetune.contract.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile sweeps: each gets one line naming the field and what is allowed. */
class SweepValidatorTest {
  @Test
  void validSweepPasses() {
    assertEquals(List.of(), validate(Sweeps.valid()));
  }

  static Stream<Arguments> hostile() {
    return Stream.of(
        row(
            "unknown path",
            s -> param(s, 0, "training.lr", SearchSpace.uniform(0, 1, 2)),
            "spec.parameters[0].name",
            "'training.lr' is not a sweepable FineTuneJob spec field;"
                + " allowed: model.architecture, "),
        row(
            "excluded path",
            s -> param(s, 0, "checkpoints.uri", SearchSpace.categorical("s3://a/b")),
            "spec.parameters[0].name",
            "'checkpoints.uri' is not a sweepable"),
        row(
            "not a leaf",
            s -> param(s, 0, "training", SearchSpace.categorical("x")),
            "spec.parameters[0].name",
            "'training' is not a sweepable"),
        row(
            "uniform on an integer field",
            s -> param(s, 0, "training.epochs", SearchSpace.uniform(1, 5, 2)),
            "spec.parameters[0].searchSpace.uniform",
            "needs a real-number field; training.epochs is an integer: use integer"),
        row(
            "integer on a real field",
            s -> param(s, 0, "training.learningRate", SearchSpace.integer(1, 5, null)),
            "spec.parameters[0].searchSpace.integer",
            "needs an integer field; training.learningRate is a real number: use uniform or"
                + " logUniform"),
        row(
            "logUniform on a list field",
            s -> param(s, 1, "training.freeze", SearchSpace.logUniform(1, 5, 2)),
            "spec.parameters[1].searchSpace.logUniform",
            "training.freeze is a list of strings: use categorical"),
        row(
            "wrong choice type",
            s -> param(s, 1, "training.epochs", SearchSpace.categorical("3", "three")),
            "spec.parameters[1].searchSpace.categorical.choices[1]",
            "'three' is not an integer (training.epochs)"),
        row(
            "unknown enum choice",
            s -> param(s, 1, "training.lossReduction", SearchSpace.categorical("mean", "avg")),
            "spec.parameters[1].searchSpace.categorical.choices[1]",
            "'avg' is not one of mean, sum"),
        row(
            "repeated choice",
            s -> param(s, 1, "training.epochs", SearchSpace.categorical("3", "03")),
            "spec.parameters[1].searchSpace.categorical.choices[1]",
            "repeats an earlier choice"),
        row(
            "empty categorical",
            s -> param(s, 1, "training.freeze", SearchSpace.categorical()),
            "spec.parameters[1].searchSpace.categorical.choices",
            "is empty; list at least one value (training.freeze is a list of strings)"),
        row(
            "empty uniform",
            s -> param(s, 0, "training.learningRate", SearchSpace.uniform(0.1, 0.01, 3)),
            "spec.parameters[0].searchSpace.uniform",
            "is empty: min 0.1 is above max 0.01"),
        row(
            "empty integer range",
            s -> param(s, 1, "training.epochs", SearchSpace.integer(9, 3, null)),
            "spec.parameters[1].searchSpace.integer",
            "is empty: min 9 is above max 3"),
        row(
            "logUniform from 0",
            s -> param(s, 0, "training.learningRate", SearchSpace.logUniform(0, 0.1, 3)),
            "spec.parameters[0].searchSpace.logUniform.min",
            "must be above 0"),
        row(
            "grid without gridPoints",
            s -> param(s, 0, "training.learningRate", SearchSpace.uniform(0, 0.1, null)),
            "spec.parameters[0].searchSpace.uniform.gridPoints",
            "is required with algorithm" + " grid"),
        row(
            "no space",
            s -> param(s, 0, "training.learningRate", new SearchSpace()),
            "spec.parameters[0].searchSpace",
            "set exactly one of uniform, logUniform, integer or categorical"),
        row(
            "two spaces",
            s -> {
              SearchSpace both = SearchSpace.uniform(0, 0.1, 2);
              both.categorical = SearchSpace.categorical("0.1").categorical;
              param(s, 0, "training.learningRate", both);
            },
            "spec.parameters[0].searchSpace",
            "set exactly one of"),
        row(
            "a grid of 10^6 points",
            s -> param(s, 1, "training.seed", SearchSpace.integer(0, 333_332, null)),
            "spec.parameters",
            "the grid has 999999 points; at most 1000 allowed: use fewer"
                + " gridPoints or choices, or algorithm random with maxTrials"),
        row(
            "parallelTrials 0",
            s -> s.getSpec().parallelTrials = 0,
            "spec.parallelTrials",
            "must be in [1, 100], got 0"),
        row(
            "maxTrials 0",
            s -> s.getSpec().maxTrials = 0,
            "spec.maxTrials",
            "must be in [1, 1000], got 0"),
        row(
            "maxFailedTrials -1",
            s -> s.getSpec().maxFailedTrials = -1,
            "spec.maxFailedTrials",
            "must be in [0, 1000], got -1"),
        row(
            "random without maxTrials",
            s -> s.getSpec().algorithm = SweepAlgorithm.random(3),
            "spec.maxTrials",
            "is required with algorithm random"),
        row(
            "no parameters",
            s -> s.getSpec().parameters = new ArrayList<>(),
            "spec.parameters",
            "needs at least one {name, searchSpace}"),
        row(
            "17 parameters",
            s -> {
              for (int i = 0; i < 15; i++) {
                s.getSpec()
                    .parameters
                    .add(new SweepParameter("training.seed", SearchSpace.categorical("1")));
              }
            },
            "spec.parameters",
            "has 17 entries; at most 16 allowed"),
        row(
            "the same field twice",
            s -> param(s, 1, "training.learningRate", SearchSpace.categorical("0.1")),
            "spec.parameters[1].name",
            "'training.learningRate' is searched twice"),
        row(
            "a trial the job validator refuses",
            s -> param(s, 0, "training.learningRate", SearchSpace.uniform(1, 20, 2)),
            "spec.template.training.learningRate",
            "trial training.learningRate=20,"
                + " training.freeze= would be refused: must be in [0, 10], got 20.0"),
        row(
            "a freeze choice the job validator refuses",
            s -> param(s, 1, "training.freeze", SearchSpace.categorical("conv1", "fc")),
            "spec.template.training.freeze",
            "would be refused: 'fc' is the new output layer"),
        row(
            "an invalid template",
            s -> s.getSpec().template.checkpoints.uri = "file:///tmp/x",
            "spec.template.checkpoints.uri",
            "would be refused: scheme 'file' is not supported" + " in a cluster"),
        row(
            "a bad name",
            s -> s.getMetadata().setName("Hotdog_Sweep"),
            "metadata.name",
            "must be a DNS-1123 label of at most 63 characters"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void hostileSweep(String name, Consumer<FineTuneSweep> change, String field, String problem) {
    FineTuneSweep sweep = Sweeps.valid();
    change.accept(sweep);
    List<Violation> v = validate(sweep);
    assertFalse(v.isEmpty(), name + " passed");
    Violation first = v.get(0);
    assertEquals(field, first.field(), first.text());
    assertTrue(first.problem().contains(problem), first.text());
    assertFalse(first.text().contains("\n"), first.text());
  }

  /** Locally a file:// template is fine: the same rule as SpecValidator's placement. */
  @Test
  void localPlacementAllowsFileCheckpoints() {
    FineTuneSweep sweep = Sweeps.valid();
    sweep.getSpec().template.checkpoints.uri = "file:///tmp/sweeps";
    assertEquals(List.of(), SweepValidator.validate(sweep, Placement.LOCAL, UriSchemes.TRAINER));
  }

  static List<Violation> validate(FineTuneSweep sweep) {
    return SweepValidator.validate(sweep, Placement.CLUSTER, UriSchemes.CLUSTER_DEFAULT);
  }

  static void param(FineTuneSweep s, int i, String name, SearchSpace space) {
    s.getSpec().parameters.set(i, new SweepParameter(name, space));
  }

  static Arguments row(String name, Consumer<FineTuneSweep> change, String field, String problem) {
    return Arguments.of(name, change, field, problem);
  }
}
