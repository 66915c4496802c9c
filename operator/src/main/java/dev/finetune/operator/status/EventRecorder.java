package dev.finetune.operator.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on a FineTuneJob or a FineTuneSweep (kubectl describe ftj|fts NAME). Best
 * effort and asynchronous, as client-go's recorder is: an Event is a side note, so its API call
 * runs on one background thread instead of adding a round trip to the reconcile; when 1,000 are
 * queued, more are dropped with a log line rather than slowing the controller down.
 */
public final class EventRecorder {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final String COMPONENT = "finetune-operator";
  private static final ThreadPoolExecutor SENDER =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(1000),
          r -> {
            Thread t = new Thread(r, "finetune-events");
            t.setDaemon(true);
            return t;
          },
          (r, pool) -> LOG.warn("event queue full: an Event was dropped"));

  private EventRecorder() {}

  public static void normal(
      KubernetesClient client, HasMetadata resource, String reason, String message) {
    emit(client, resource, "Normal", reason, message);
  }

  public static void warning(
      KubernetesClient client, HasMetadata resource, String reason, String message) {
    emit(client, resource, "Warning", reason, message);
  }

  private static void emit(
      KubernetesClient client, HasMetadata resource, String type, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                resource.getMetadata().getName()
                    + "."
                    + UUID.randomUUID().toString().substring(0, 8))
            .withNamespace(resource.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(resource.getApiVersion())
            .withKind(resource.getKind())
            .withName(resource.getMetadata().getName())
            .withNamespace(resource.getMetadata().getNamespace())
            .withUid(resource.getMetadata().getUid())
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(message.length() > 1024 ? message.substring(0, 1024) : message)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .build();
    SENDER.execute(
        () -> {
          try {
            client
                .v1()
                .events()
                .inNamespace(resource.getMetadata().getNamespace())
                .resource(event)
                .create();
          } catch (KubernetesClientException e) {
            LOG.warnf(
                "could not record event %s on %s: %s",
                reason, resource.getMetadata().getName(), e.getMessage());
          }
        });
  }
}
