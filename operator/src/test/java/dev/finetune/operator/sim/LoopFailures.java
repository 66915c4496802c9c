package dev.finetune.operator.sim;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The failures of a simulated kubelet's or node agent's own loop: kept and thrown by {@link
 * #check()} (from the tests' waits and from {@code close()}), so a broken test ends with the real
 * error instead of a timeout. A 404 for an object deleted meanwhile (the operator removed a Job or
 * pod between list and write) is a race a kubelet also meets, not a failure; nor is a call
 * interrupted because the loop is being shut down.
 */
public final class LoopFailures {
  private final String who;
  private final List<RuntimeException> seen = new CopyOnWriteArrayList<>();

  public LoopFailures(String who) {
    this.who = who;
  }

  public void record(RuntimeException e) {
    if (e instanceof KubernetesClientException k && k.getCode() == 404) {
      return;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException) {
        return; // close() stopped the loop mid-call
      }
    }
    seen.add(e);
    System.err.println("[" + who + "] " + e);
  }

  /** Throws the first failure (and how many there were), if any. */
  public void check() {
    if (!seen.isEmpty()) {
      throw new AssertionError(
          who + " failed " + seen.size() + " time(s); first: " + seen.get(0), seen.get(0));
    }
  }
}
