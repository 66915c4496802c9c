package dev.finetune.operator.sweep;

import java.util.List;

/** Phase 1's result: every trial the spec plans, in order, and the baseline, as observed. */
record SweepObservation(List<Trial> trials, Trial baseline) {}
