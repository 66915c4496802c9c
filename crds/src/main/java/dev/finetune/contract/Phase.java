package dev.finetune.contract;

/**
 * The values of a FineTuneJob's {@code status.phase}: API, read by users, dashboards and the Argo
 * CD health check ({@code deploy/argocd/finetunejob-health.lua}, which must know every value;
 * ArgoHealthCheckTest checks it). The operator derives the phase from its conditions ({@link
 * Conditions}); a terminal phase never changes again.
 */
public enum Phase {
  PENDING("Pending", false, "No trainer is running yet: creating, queued, waiting, or backing off"),
  RUNNING("Running", false, "A trainer pod runs the current attempt"),
  SUSPENDED("Suspended", false, "spec.suspend is true; the trainer was stopped after a checkpoint"),
  SUCCEEDED("Succeeded", true, "The trainer finished and wrote the final model"),
  FAILED("Failed", true, "Invalid spec, a permanent trainer error, or too many retries");

  private final String label;
  private final boolean terminal;
  private final String description;

  Phase(String label, boolean terminal, String description) {
    this.label = label;
    this.terminal = terminal;
    this.description = description;
  }

  public String label() {
    return label;
  }

  /** No further attempt is ever started. */
  public boolean terminal() {
    return terminal;
  }

  public String description() {
    return description;
  }

  public static Phase of(String label) {
    for (Phase p : values()) {
      if (p.label.equals(label)) {
        return p;
      }
    }
    return PENDING;
  }
}
