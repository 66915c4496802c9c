package dev.finetune.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

public class TrainerMetricsTest {
  /** The shape the trainer's Micrometer Prometheus registry writes. */
  public static final String SAMPLE =
      """
      # HELP finetune_epoch current epoch, 1-based (0 before the first step)
      # TYPE finetune_epoch gauge
      finetune_epoch{job="exp",namespace="ns",run="finetune"} 3.0
      finetune_epoch{job="exp",namespace="ns",run="baseline"} 1.0
      finetune_total_epochs{job="exp",namespace="ns",run="finetune"} 10.0
      finetune_global_step{job="exp",namespace="ns",run="finetune"} 120.0
      finetune_progress_ratio{job="exp",namespace="ns",run="finetune"} 0.3
      finetune_eta_seconds{job="exp",namespace="ns",run="finetune"} 95.5
      finetune_train_epoch_loss{job="exp",namespace="ns",run="finetune"} 0.41234567
      finetune_train_accuracy{job="exp",namespace="ns",run="finetune"} 0.875
      finetune_test_accuracy{job="exp",namespace="ns",run="finetune"} 0.8421
      finetune_test_accuracy{job="exp",namespace="ns",run="baseline"} NaN
      finetune_validation_accuracy{job="exp",namespace="ns",run="finetune"} 0.8125
      finetune_validation_loss{job="exp",namespace="ns",run="finetune"} 0.51234
      finetune_validation_epoch{job="exp",namespace="ns",run="finetune"} 2.0
      finetune_images_per_second{job="exp",namespace="ns",run="finetune"} 512.25
      finetune_attempt{job="exp",namespace="ns"} 2.0
      jvm_memory_used_bytes{area="heap"} 1.0E8
      """;

  @Test
  void parsesGaugesByRun() {
    TrainerMetrics m = TrainerMetrics.parse(SAMPLE);
    assertEquals(Optional.of(3.0), m.get("finetune", "finetune_epoch"));
    assertEquals(Optional.of(1.0), m.get("baseline", "finetune_epoch"));
    assertEquals(Optional.of(0.8421), m.get("finetune", "finetune_test_accuracy"));
    assertEquals(Optional.empty(), m.get("baseline", "finetune_test_accuracy"), "NaN is absent");
    assertEquals(Optional.of(2.0), m.get("", "finetune_attempt"));
    assertEquals(Optional.empty(), m.get("", "jvm_memory_used_bytes"));
  }
}
