package dev.finetune.operator.status;

import dev.finetune.api.v1alpha1.FineTuneJob;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Kubernetes Events on the FineTuneJob (kubectl describe ftj NAME). Best effort. */
public final class EventRecorder {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final String COMPONENT = "finetune-operator";

  private EventRecorder() {}

  public static void normal(KubernetesClient client, FineTuneJob ftj, String reason, String message) {
    emit(client, ftj, "Normal", reason, message);
  }

  public static void warning(KubernetesClient client, FineTuneJob ftj, String reason, String message) {
    emit(client, ftj, "Warning", reason, message);
  }

  private static void emit(KubernetesClient client, FineTuneJob ftj, String type, String reason,
      String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    var event = new EventBuilder()
        .withNewMetadata()
        .withName(ftj.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
        .withNamespace(ftj.getMetadata().getNamespace())
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(ftj.getApiVersion()).withKind(ftj.getKind())
        .withName(ftj.getMetadata().getName()).withNamespace(ftj.getMetadata().getNamespace())
        .withUid(ftj.getMetadata().getUid())
        .endInvolvedObject()
        .withType(type).withReason(reason)
        .withMessage(message.length() > 1024 ? message.substring(0, 1024) : message)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(ftj.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warnf("could not record event %s on %s: %s", reason, ftj.getMetadata().getName(),
          e.getMessage());
    }
  }
}
