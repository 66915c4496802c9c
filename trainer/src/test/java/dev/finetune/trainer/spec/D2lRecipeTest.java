package dev.finetune.trainer.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.Architecture;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.LossReduction;
import dev.finetune.trainer.data.transform.ImagePipeline;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The "exactly" of {@code deploy/examples/hotdog-job.yaml}: each setting of d2l's {@code
 * train_fine_tuning(finetune_net, 5e-5)} and of the scratch run {@code
 * train_fine_tuning(scratch_net, 5e-4, param_group=False)} (d2l 13.2, PyTorch tab), as the spec
 * states it. What the spec cannot state (initialisation, SGD formula, transforms, metrics) is
 * checked by the tests listed in docs/d2l-recipe.md.
 */
class D2lRecipeTest {
  private static final Path EXAMPLES = Path.of("../deploy/examples");

  private static FineTuneJobSpec load(String name) {
    FineTuneJob job = JobLoader.load(EXAMPLES.resolve(name));
    return job.getSpec();
  }

  @Test
  void hotdogJobIsD2lsRecipe() {
    FineTuneJobSpec s = load("hotdog-job.yaml");
    // finetune_net = torchvision.models.resnet18(pretrained=True); fc = nn.Linear(512, 2)
    assertEquals(Architecture.RESNET18, s.model.architecture);
    assertEquals("hf://timm/resnet18.tv_in1k", s.model.pretrained.uri);
    assertTrue(s.training.freeze.isEmpty(), "every layer trains");
    // ImageFolder(hotdog/train), ImageFolder(hotdog/test)
    assertTrue(s.dataset.train.endsWith("hotdog.zip#hotdog/train"), s.dataset.train);
    assertTrue(s.dataset.test.endsWith("hotdog.zip#hotdog/test"), s.dataset.test);
    assertNull(s.dataset.limitPerClass, "the whole training split");
    // train_augs: RandomResizedCrop(224), RandomHorizontalFlip(), ToTensor(), normalize
    assertEquals(
        "spec.transforms.train[RandomResizedCrop(224), HorizontalFlip(0.5)]",
        ImagePipeline.forTraining(s.transforms).toString());
    // test_augs: Resize([256, 256]), CenterCrop(224), ToTensor(), normalize
    assertEquals(
        "spec.transforms.test[Resize([256, 256]), CenterCrop(224)]",
        ImagePipeline.forTest(s.transforms).toString());
    // normalize = Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    assertEquals(List.of(0.485, 0.456, 0.406), s.transforms.normalize.mean);
    assertEquals(List.of(0.229, 0.224, 0.225), s.transforms.normalize.std);
    // train_fine_tuning(net, learning_rate, batch_size=128, num_epochs=5, param_group=True)
    assertEquals(128, s.training.batchSize);
    assertEquals(5, s.training.epochs);
    // SGD([{params_1x}, {fc, lr * 10}], lr=5e-5, weight_decay=0.001): no momentum
    assertEquals(5.0e-5, s.training.learningRate);
    assertEquals(10.0, s.training.headLearningRateMultiplier);
    assertEquals(1.0e-3, s.training.weightDecay);
    assertEquals(0.0, s.training.momentum);
    // CrossEntropyLoss(reduction="none"), then l.sum().backward()
    assertEquals(LossReduction.SUM, s.training.lossReduction);
    // train_ch13 evaluates the test set after every epoch
    assertEquals(1, s.training.evalEveryEpochs);
    // scratch_net = resnet18(); train_fine_tuning(scratch_net, 5e-4, param_group=False)
    assertEquals(5.0e-4, s.baseline.fromScratch.learningRate);
    assertNull(s.baseline.fromScratch.epochs, "same 5 epochs");
  }

  /** The variants keep d2l's data, transforms and SGD settings; each says what it changes. */
  @Test
  void variantsKeepTheRecipeApartFromWhatTheyName() {
    FineTuneJobSpec base = load("hotdog-job.yaml");
    String test = ImagePipeline.forTest(base.transforms).toString();
    String train = ImagePipeline.forTraining(base.transforms).toString();
    for (String name :
        List.of(
            "hotdog-freeze-job.yaml",
            "hotdog-kueue-job.yaml",
            "sweep/hotdog-lr-1e-5.yaml",
            "sweep/hotdog-lr-5e-5.yaml",
            "sweep/hotdog-lr-2e-4.yaml",
            "lineage/target-job.yaml")) {
      FineTuneJobSpec s = load(name);
      assertEquals(test, ImagePipeline.forTest(s.transforms).toString(), name);
      assertEquals(train, ImagePipeline.forTraining(s.transforms).toString(), name);
      assertEquals(base.transforms.normalize.mean, s.transforms.normalize.mean, name);
      assertEquals(base.dataset.train, s.dataset.train, name);
      assertEquals(base.training.batchSize, s.training.batchSize, name);
      assertEquals(base.training.weightDecay, s.training.weightDecay, name);
      assertEquals(base.training.momentum, s.training.momentum, name);
      assertEquals(base.training.lossReduction, s.training.lossReduction, name);
      assertEquals(
          base.training.headLearningRateMultiplier, s.training.headLearningRateMultiplier, name);
      if (!name.startsWith("sweep/")) {
        assertEquals(base.training.learningRate, s.training.learningRate, name);
      }
    }
  }
}
