package dev.finetune.operator.sweep;

import dev.finetune.contract.sweep.Assignment;

/**
 * One FineTuneJob the sweep wants (a trial, or the baseline with a null assignment) and what
 * the observer saw of it: its status.phase (null while it has none, absent when the job does not
 * exist) and its test accuracy once reported.
 */
record Trial(String name, Assignment assignment, boolean exists, String phase,
    Double testAccuracy) {
  static Trial missing(String name, Assignment assignment) {
    return new Trial(name, assignment, false, null, null);
  }

  boolean succeeded() {
    return "Succeeded".equals(phase);
  }

  boolean failed() {
    return "Failed".equals(phase);
  }

  boolean finished() {
    return succeeded() || failed();
  }

  /** Created and not finished: Pending, Running or Suspended. */
  boolean active() {
    return exists && !finished();
  }

  boolean running() {
    return "Running".equals(phase);
  }
}
