package dev.finetune.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The Lease that operator replicas compete for (finetune.operator.leader-election.*, or
 * FINETUNE_OPERATOR_LEADER_ELECTION_* variables); used in the prod profile only, see {@link
 * LeaderElection}.
 */
@ConfigMapping(prefix = "finetune.operator.leader-election")
public interface LeaseConfig {
  /** Name of the Lease. */
  @WithDefault("finetune-operator")
  String leaseName();

  /**
   * Namespace of the Lease. Unset: the operator's own namespace (its ServiceAccount's); the
   * Deployment sets it from the downward API.
   */
  Optional<String> namespace();

  /** Identity written into the Lease; the Deployment sets the pod name. Unset: HOSTNAME. */
  Optional<String> identity();

  /** How long a Lease that is not renewed stays valid; a standby takes over after it. */
  @WithDefault("15s")
  Duration leaseDuration();

  /** How long the leader keeps trying to renew before it gives up (and exits). */
  @WithDefault("10s")
  Duration renewDeadline();

  /** How often candidates try to acquire and the leader renews. */
  @WithDefault("2s")
  Duration retryPeriod();
}
