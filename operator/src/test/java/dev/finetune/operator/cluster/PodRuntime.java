package dev.finetune.operator.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the {@link NodeAgent} runs a pod's container: as a local child JVM ({@link ProcessRuntime},
 * the default of the operator's cluster tests), or from the project's images under podman (the
 * image tests' {@code PodmanRuntime}). The agent does the kubelet's API work (status, conditions,
 * deletion, restarts); a runtime only starts, probes and stops.
 */
public interface PodRuntime {
  /**
   * Starts the pod's container with its files in {@code dir}. What the pod asks for that this
   * runtime cannot honour is a {@link Refused}, never ignored; an image it cannot find is a {@link
   * Waiting}.
   */
  Container start(Pod pod, Path dir) throws IOException;

  /** A pod's started container. */
  interface Container {
    boolean alive();

    /** The exit code, once {@link #alive()} is false. */
    int exitCode();

    /** SIGTERM. */
    void terminate();

    /** SIGKILL. */
    void kill();

    /** Waits up to {@code timeout} for the container to exit; whether it did. */
    boolean awaitExit(Duration timeout) throws InterruptedException;

    /**
     * The termination message as a kubelet reports it with {@code FallbackToLogsOnError}: the
     * termination message file, else for a failure the log's tail.
     */
    String message(int exitCode);

    /** The pod IP. */
    String ip();

    /** Annotations the agent adds to the pod once it runs (the process runtime's moved port). */
    default Map<String, String> annotations() {
      return Map.of();
    }

    /**
     * Whether the readiness probe passes now; a container without one is ready once started. Called
     * on the agent's loop, so it answers within about a second.
     */
    default boolean ready() {
      return true;
    }

    /** Whether the liveness probe has failed its failureThreshold times in a row. */
    default boolean livenessFailed() {
      return false;
    }

    /**
     * Why the pod must be evicted now, as a kubelet evicts a pod whose emptyDir is over its {@code
     * sizeLimit}; empty while it may run.
     */
    default java.util.Optional<String> evictionReason() {
      return java.util.Optional.empty();
    }

    /** Whether the container was killed for exceeding its memory limit. */
    default boolean oomKilled() {
      return false;
    }

    /** Removes what the container left behind (podman's container); idempotent. */
    default void remove() {}
  }

  /** What the pod asks for that this runtime cannot run; the pod fails with this reason. */
  final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message);
    }
  }

  /**
   * The container cannot start yet and the pod stays Pending with this waiting reason (as a
   * kubelet's {@code ErrImageNeverPull}); the agent posts it as a Warning Event.
   */
  final class Waiting extends RuntimeException {
    private final String reason;

    public Waiting(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }
}
