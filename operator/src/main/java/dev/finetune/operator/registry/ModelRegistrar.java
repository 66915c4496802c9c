package dev.finetune.operator.registry;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.api.v1alpha1.status.RegisteredModel;
import dev.finetune.contract.Conditions;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.status.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Act, for spec.registry: registers a succeeded job's final model in MLflow, one try per reconcile
 * when one is due. A failure is retried with backoff (in memory, by uid, as the reconciler's
 * storage listing is throttled) and never changes the job's phase.
 */
public final class ModelRegistrar {
  private static final Logger LOG = Logger.getLogger(ModelRegistrar.class);

  private final KubernetesClient client;
  private final Duration timeout;
  private final Duration backoffBase;
  private final Duration backoffMax;

  /** When a failed registration is tried again (by uid). */
  private final Map<String, Instant> nextRegistration = new ConcurrentHashMap<>();

  /** Storage or registry requests bounded by storage-timeout; retries by backoff-base and -max. */
  public ModelRegistrar(KubernetesClient client, OperatorConfig config) {
    this.client = client;
    this.timeout = config.storageTimeout();
    this.backoffBase = config.backoffBase();
    this.backoffMax = config.backoffMax();
  }

  /**
   * One registration try, bounded by finetune.operator.storage-timeout per request: finds the
   * version tagged with this job's uid, else creates it. Writes the outcome into {@code status};
   * returns when to try again (null: done).
   */
  public Duration register(FineTuneJob ftj, FineTuneJobStatus status, String image, Instant now) {
    String uid = ftj.getMetadata().getUid();
    String ns = ftj.getMetadata().getNamespace();
    String name = ftj.getMetadata().getName();
    Instant due = nextRegistration.get(uid);
    if (due != null && now.isBefore(due)) {
      return Duration.between(now, due);
    }
    var mlflow = ftj.getSpec().registry.mlflow;
    Long generation = ftj.getMetadata().getGeneration();
    ModelVersionEntry entry = ModelVersionEntry.of(ftj, status, image);
    String error;
    try {
      MlflowCredentials credentials = MlflowCredentials.read(client, ns, mlflow.credentialsSecret);
      RegisteredModel model = new MlflowRegistry(mlflow.uri, credentials, timeout).register(entry);
      Registration.registered(status, model, generation, now);
      nextRegistration.remove(uid);
      LOG.infof(
          "%s/%s: registered model %s version %s in MLflow", ns, name, model.name, model.version);
      EventRecorder.normal(client, ftj, "ModelRegistered", Registration.describe(model));
      return null;
    } catch (RegistryException e) {
      error = e.getMessage();
    } catch (RuntimeException e) {
      error = "MLflow registration failed: " + e.getClass().getSimpleName();
    }
    Optional<Instant> failingSince = Registration.failingSince(status);
    Duration delay =
        Registration.retryDelay(failingSince.orElse(null), now, backoffBase, backoffMax);
    Registration.unavailable(status, error, delay, generation, now);
    nextRegistration.put(uid, now.plus(delay));
    LOG.warnf("%s/%s: cannot register the final model, retrying in %s: %s", ns, name, delay, error);
    if (failingSince.isEmpty()) {
      EventRecorder.warning(
          client,
          ftj,
          Conditions.REGISTRY_UNAVAILABLE,
          error + "; registration is retried with backoff, the job stays Succeeded");
    }
    return delay;
  }

  /** Forgets a deleted job's schedule. */
  public void forget(String uid) {
    nextRegistration.remove(uid);
  }
}
