package dev.finetune.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.ResizeSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** transforms.*.resize in its two forms, read from YAML and written back unchanged. */
class ResizeSpecTest {
  private static FineTuneJob read(String test) {
    return Serialization.unmarshal(
        """
        apiVersion: finetune.dev/v1alpha1
        kind: FineTuneJob
        metadata: {name: r}
        spec:
          transforms:
            train: {resize: 40}
            test: %s
        """
            .formatted(test),
        FineTuneJob.class);
  }

  @Test
  void bothForms() {
    FineTuneJob job = read("{resize: [256, 300], centerCrop: 224}");
    ResizeSpec train = job.getSpec().transforms.train.resize;
    assertNull(train.problem());
    assertTrue(train.keepsAspectRatio());
    assertEquals(40, train.shorterSide());
    ResizeSpec test = job.getSpec().transforms.test.resize;
    assertNull(test.problem());
    assertFalse(test.keepsAspectRatio());
    assertEquals(256, test.height());
    assertEquals(300, test.width());
    String yaml = Serialization.asYaml(job);
    assertTrue(yaml.contains("resize: 40"), yaml);
    assertTrue(yaml.matches("(?s).*resize:\\s*- 256\\s*- 300.*"), yaml);
    assertEquals(
        job.getSpec().transforms.test.resize,
        Serialization.unmarshal(yaml, FineTuneJob.class).getSpec().transforms.test.resize);
  }

  /** Wrong shapes are kept for the validator's message instead of failing to deserialise. */
  @Test
  void wrongShapesReachTheValidator() {
    assertEquals(
        "must be " + ResizeSpec.FORMS + ", got \"big\"",
        read("{resize: big}").getSpec().transforms.test.resize.problem());
    assertEquals(
        "must be " + ResizeSpec.FORMS + ", got a list of 1",
        read("{resize: [256]}").getSpec().transforms.test.resize.problem());
    assertEquals(
        "must be " + ResizeSpec.FORMS + ", got [256, 2.5]",
        read("{resize: [256, 2.5]}").getSpec().transforms.test.resize.problem());
    assertEquals(
        "must be " + ResizeSpec.FORMS + ", got 0",
        read("{resize: 0}").getSpec().transforms.test.resize.problem());
    assertEquals(
        "must be " + ResizeSpec.FORMS + ", got {a=1}",
        read("{resize: {a: 1}}").getSpec().transforms.test.resize.problem());
    assertNull(ResizeSpec.exact(4096, 1).problem());
    assertEquals(
        "must be " + ResizeSpec.FORMS + ", got 4097", ResizeSpec.shorterSide(4097).problem());
  }
}
