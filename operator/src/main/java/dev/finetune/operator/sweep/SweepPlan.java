package dev.finetune.operator.sweep;

import java.util.List;

/**
 * Phase 3's decision: the trials to create now (the baseline among them when it is missing), the
 * active trials to delete (the sweep failed), and the verdict for the status.
 */
record SweepPlan(List<Trial> create, List<Trial> stop, SweepVerdict verdict) {}
