package dev.finetune.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * JOSDK leader election between operator replicas. The Quarkus operator SDK uses this bean in the
 * prod profile (its default {@code activate-leader-election-for-profiles}); {@code @QuarkusTest}
 * runs without it. Every replica starts its informers (warm caches, a ready probe, the admission
 * webhook); only the holder of the Lease reconciles, so only it creates trainer Jobs. A leader that
 * cannot renew within the renew deadline exits (JOSDK's default), and its pod restarts as a
 * candidate.
 */
public class LeaderElection {
  private static final Logger LOG = Logger.getLogger(LeaderElection.class);

  @Produces
  @Singleton
  @Unremovable
  LeaderElectionConfiguration leaderElection(LeaseConfig le) {
    String identity = le.identity().orElseGet(LeaderElection::defaultIdentity);
    var builder =
        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(le.leaseName())
            .withIdentity(identity)
            .withLeaseDuration(le.leaseDuration())
            .withRenewDeadline(le.renewDeadline())
            .withRetryPeriod(le.retryPeriod());
    // Unset: JOSDK uses the client's namespace, which in a pod is the ServiceAccount's (the
    // operator's own) namespace.
    le.namespace().ifPresent(builder::withLeaseNamespace);
    LOG.infof(
        "leader election: Lease %s%s, identity %s, lease duration %s",
        le.leaseName(),
        le.namespace().map(n -> " in " + n).orElse(""),
        identity,
        le.leaseDuration());
    return builder.build();
  }

  /** The pod name (a pod's HOSTNAME), else a random id. */
  static String defaultIdentity() {
    String host = System.getenv("HOSTNAME");
    return host == null || host.isBlank() ? "finetune-operator-" + UUID.randomUUID() : host;
  }
}
