package dev.finetune.operator.sweep;

import java.util.List;

/**
 * Phase 3's decision: the trials to create now (the baseline among them when it is missing), the
 * active trials to delete (the sweep failed), those whose spec.suspend to set true (the sweep is
 * suspended) or back to false (it was resumed), and the verdict for the status.
 */
record SweepPlan(
    List<Trial> create,
    List<Trial> stop,
    List<Trial> suspend,
    List<Trial> resume,
    SweepVerdict verdict) {
  SweepPlan(List<Trial> create, List<Trial> stop, SweepVerdict verdict) {
    this(create, stop, List.of(), List.of(), verdict);
  }
}
