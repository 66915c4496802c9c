package dev.finetune.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.PretrainedSpec;
import dev.finetune.api.v1alpha1.spec.RecipeMode;
import dev.finetune.contract.AutoRecipe.Candidate;
import dev.finetune.contract.SpecValidator.Placement;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** training.recipe: auto: the grid, its order, and the spec rules with their one-line refusals. */
class AutoRecipeTest {
  static List<Violation> validate(Consumer<FineTuneJob> change) {
    FineTuneJob job = ContractTest.job("file:///tmp/ckpt", "file:///data/train.zip");
    job.getSpec().model.pretrained = new PretrainedSpec();
    job.getSpec().model.pretrained.uri = "file:///models/resnet18.safetensors";
    job.getSpec().training.recipe = RecipeMode.AUTO;
    change.accept(job);
    return SpecValidator.validate(job, Placement.LOCAL);
  }

  @Test
  void theGridIsFourDepthsByThreeMultipliersInTieBreakOrder() {
    List<Candidate> c = AutoRecipe.candidates();
    assertEquals(12, c.size());
    assertEquals(new Candidate("none", 1.0), c.get(0));
    assertEquals(new Candidate("none", 10.0), c.get(1));
    assertEquals(new Candidate("layer3", 100.0), c.get(11));
    assertEquals(List.of(), c.get(0).freeze());
    assertEquals(List.of("conv1", "bn1", "layer1", "layer2"), c.get(7).freeze());
    assertEquals("freeze layer2, head x10", c.get(7).label());
  }

  @Test
  void aPlainAutoJobIsValid() {
    assertEquals(List.of(), validate(j -> {}));
  }

  @Test
  void autoWithAnExplicitFreezeListIsRefusedInOneLine() {
    List<Violation> v = validate(j -> j.getSpec().training.freeze = List.of("conv1"));
    assertEquals(1, v.size(), v.toString());
    assertEquals("spec.training.freeze", v.get(0).field());
    assertTrue(v.get(0).problem().contains("recipe: auto"), v.get(0).problem());
  }

  @Test
  void autoWithAnExplicitMultiplierIsRefused() {
    List<Violation> v = validate(j -> j.getSpec().training.headLearningRateMultiplier = 10.0);
    assertEquals(List.of("spec.training.headLearningRateMultiplier"), fields(v));
  }

  @Test
  void autoWithoutASourceModelIsRefused() {
    List<Violation> v = validate(j -> j.getSpec().model.pretrained = null);
    assertEquals(List.of("spec.training.recipe"), fields(v));
    assertTrue(v.get(0).problem().contains("spec.model.pretrained"), v.get(0).problem());
  }

  @Test
  void autoWithOneImagePerClassIsRefusedBeforeAnyTraining() {
    List<Violation> v = validate(j -> j.getSpec().dataset.limitPerClass = 1);
    assertEquals(List.of("spec.dataset.limitPerClass"), fields(v));
    assertTrue(v.get(0).problem().contains("at least 2"), v.get(0).problem());
    assertEquals(List.of(), validate(j -> j.getSpec().dataset.limitPerClass = 2));
  }

  @Test
  void aFixedRecipeKeepsTheDefaultMultiplierAndAnyFreezeList() {
    FineTuneJob job = ContractTest.job("file:///tmp/ckpt", "file:///data/train.zip");
    assertEquals(10.0, job.getSpec().training.headMultiplierOrDefault());
    job.getSpec().training.headLearningRateMultiplier = 100.0;
    assertEquals(100.0, job.getSpec().training.headMultiplierOrDefault());
    assertEquals(List.of(), SpecValidator.validate(job, Placement.LOCAL));
  }

  @Test
  void validateExplainsWhatAutoTries() {
    String text = String.join("\n", AutoRecipe.explain());
    assertTrue(text.contains("none, layer1, layer2, layer3"), text);
    assertTrue(text.contains("1, 10, 100"), text);
    assertTrue(text.contains("20%"), text);
    assertTrue(text.contains("2-fold"), text);
  }

  static List<String> fields(List<Violation> v) {
    return v.stream().map(Violation::field).toList();
  }
}
