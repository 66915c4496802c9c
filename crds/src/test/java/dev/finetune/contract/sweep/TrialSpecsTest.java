package dev.finetune.contract.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.finetune.api.v1alpha1.FineTuneSweep;
import dev.finetune.api.v1alpha1.spec.FineTuneJobSpec;
import dev.finetune.api.v1alpha1.spec.LossReduction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrialSpecsTest {
  final FineTuneSweep sweep = Sweeps.valid();

  @Test
  void setsTypedFieldsOnACopy() {
    Assignment a =
        new Assignment(
            Map.of(
                "training.learningRate",
                "0.0001",
                "training.freeze",
                "conv1,bn1,layer1",
                "training.epochs",
                "7",
                "training.lossReduction",
                "sum",
                "transforms.train.horizontalFlip",
                "false",
                "training.seed",
                "9"));
    sweep.getSpec().template.ttlSecondsAfterFinished = 60;
    FineTuneJobSpec spec = TrialSpecs.trial(sweep.getSpec(), a, "t1");
    assertNull(spec.ttlSecondsAfterFinished, "the sweep owns its trials' lifecycle");
    assertEquals(0.0001, spec.training.learningRate);
    assertEquals(List.of("conv1", "bn1", "layer1"), spec.training.freeze);
    assertEquals(7, spec.training.epochs);
    assertEquals(LossReduction.SUM, spec.training.lossReduction);
    assertEquals(false, spec.transforms.train.horizontalFlip);
    assertEquals(9L, spec.training.seed);
    assertEquals(128, spec.training.batchSize);
    assertEquals("s3://finetune/sweeps/hotdog/t1", spec.checkpoints.uri);
    assertNull(spec.baseline, "trials share the sweep's one baseline");
    // the template is untouched
    FineTuneJobSpec template = sweep.getSpec().template;
    assertEquals(1.0e-5, template.training.learningRate);
    assertEquals(List.of("conv1"), template.training.freeze);
    assertEquals("s3://finetune/sweeps/hotdog", template.checkpoints.uri);
    assertNotNull(template.baseline);
    assertEquals(List.of(256, 256), template.transforms.test.resize.raw());
    assertEquals(List.of(256, 256), spec.transforms.test.resize.raw());
  }

  @Test
  void emptyListAndAbsentParents() {
    Assignment a =
        new Assignment(
            Map.of(
                "training.freeze",
                "",
                "model.pretrained.fromJob",
                "source-job",
                "model.pretrained.uri",
                ""));
    FineTuneJobSpec spec = TrialSpecs.trial(sweep.getSpec(), a, "t2");
    assertEquals(List.of(), spec.training.freeze);
    assertEquals("source-job", spec.model.pretrained.fromJob);
  }

  @Test
  void badValueNamesTheField() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrialSpecs.trial(
                    sweep.getSpec(), new Assignment(Map.of("training.epochs", "three")), "t"));
    assertEquals("'three' is not an integer", e.getMessage());
  }

  @Test
  void baselineIsFromScratchWithItsOverrides() {
    FineTuneJobSpec b = TrialSpecs.baseline(sweep.getSpec(), "hotdog-sweep-baseline");
    assertNull(b.model.pretrained);
    assertEquals(List.of(), b.training.freeze);
    assertEquals(5.0e-4, b.training.learningRate);
    assertEquals(3, b.training.epochs);
    assertNull(b.baseline);
    assertEquals("s3://finetune/sweeps/hotdog/hotdog-sweep-baseline", b.checkpoints.uri);
  }

  @Test
  void folder() {
    assertEquals("s3://b/p/x", TrialSpecs.folder("s3://b/p", "x"));
    assertEquals("s3://b/p/x", TrialSpecs.folder("s3://b/p/", "x"));
  }
}
