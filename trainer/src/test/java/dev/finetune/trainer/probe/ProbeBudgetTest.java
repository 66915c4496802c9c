package dev.finetune.trainer.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.contract.AutoRecipe;
import dev.finetune.contract.AutoRecipe.Candidate;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeBudgetTest {
  static final List<Candidate> GRID = AutoRecipe.candidates();

  @Test
  void aDeeperFreezeCostsLessAndNothingFrozenCostsOne() {
    double previous = Double.MAX_VALUE;
    for (String depth : AutoRecipe.DEPTHS) {
      double c = ProbeBudget.cost(Architecture.RESNET18, new Candidate(depth, 10.0));
      assertTrue(c < previous, depth + " costs " + c);
      previous = c;
    }
    assertEquals(1.0, ProbeBudget.cost(Architecture.RESNET18, new Candidate("none", 1.0)));
    double sum = 0;
    for (double s : ProbeBudget.stageShares(Architecture.RESNET34)) {
      sum += s;
    }
    assertEquals(1.0, sum, 1e-12);
  }

  /** The quickstart's few-shot job: 40 images, 30 epochs, batch 16, 4,000 test images once. */
  @Test
  void theQuickstartJobGetsOneStepWithinTheBudget() {
    ProbeBudget b = ProbeBudget.plan(Architecture.RESNET18, GRID, 2, 40, 20, 16, 30, 4000);
    assertEquals(1, b.steps());
    assertEquals(16, b.batch());
    assertTrue(b.share() <= AutoRecipe.BUDGET_SHARE, "share " + b.share());
    assertTrue(b.share() > 0.1, "share " + b.share());
  }

  @Test
  void moreEpochsBuyMoreStepsNeverMoreThanTheShare() {
    for (int epochs : new int[] {30, 60, 120, 500}) {
      ProbeBudget b = ProbeBudget.plan(Architecture.RESNET18, GRID, 2, 200, 100, 16, epochs, 4000);
      assertTrue(b.share() <= AutoRecipe.BUDGET_SHARE, epochs + ": share " + b.share());
      ProbeBudget more =
          ProbeBudget.plan(Architecture.RESNET18, GRID, 2, 200, 100, 16, epochs * 2, 4000);
      assertTrue(more.steps() > b.steps(), epochs + " epochs");
    }
  }

  @Test
  void aBatchNeverExceedsTheSmallestFold() {
    ProbeBudget b = ProbeBudget.plan(Architecture.RESNET18, GRID, 2, 12, 6, 32, 400, 0);
    assertEquals(6, b.batch());
  }

  @Test
  void aRunTooShortForOneStepIsRefusedWithTheEpochsItNeeds() {
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> ProbeBudget.plan(Architecture.RESNET18, GRID, 2, 40, 20, 16, 3, 400));
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode());
    assertTrue(e.getMessage().contains("spec.training.epochs to at least"), e.getMessage());
    int needed = Integer.parseInt(e.getMessage().replaceAll(".*at least (\\d+).*", "$1"));
    ProbeBudget ok = ProbeBudget.plan(Architecture.RESNET18, GRID, 2, 40, 20, 16, needed, 400);
    assertEquals(1, ok.steps());
    assertThrows(
        TrainerException.class,
        () -> ProbeBudget.plan(Architecture.RESNET18, GRID, 2, 40, 20, 16, needed - 1, 400));
  }
}
