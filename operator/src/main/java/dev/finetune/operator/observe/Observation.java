package dev.finetune.operator.observe;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Everything the controller knows about one FineTuneJob's children, read in phase 1.
 *
 * @param attempts every trainer Job found, by attempt number
 * @param metrics the running trainer's gauges, when its pod answered
 * @param storage what object storage held, when it was read this time
 */
public record Observation(
    List<Attempt> attempts, Optional<TrainerMetrics> metrics, StorageObservation storage) {
  public Observation {
    attempts = attempts.stream().sorted(Comparator.comparingInt(Attempt::number)).toList();
  }

  public Observation(List<Attempt> attempts, Optional<TrainerMetrics> metrics) {
    this(attempts, metrics, StorageObservation.NOT_OBSERVED);
  }

  public Observation(List<Attempt> attempts) {
    this(attempts, Optional.empty());
  }

  public Observation withStorage(StorageObservation s) {
    return new Observation(attempts, metrics, s);
  }

  public Optional<Attempt> latest() {
    return attempts.isEmpty() ? Optional.empty() : Optional.of(attempts.get(attempts.size() - 1));
  }

  /** Highest attempt number seen; 0 when there is none. */
  public int highestAttempt() {
    return latest().map(Attempt::number).orElse(0);
  }

  /** Retryable failures that count against backoffLimit, pods retried inside a Job included. */
  public int retryableFailures() {
    return attempts.stream().mapToInt(Attempt::restarts).sum();
  }

  /** Attempts preempted, evicted or sent SIGTERM by the cluster, pods inside a Job included. */
  public int preemptions() {
    return attempts.stream().mapToInt(Attempt::preemptions).sum();
  }
}
