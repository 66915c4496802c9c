package dev.finetune.operator.admission;

import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * What both webhooks do before judging an object: refuse another kind (400), allow anything but a
 * CREATE with an object, decode the object (400 when it is not one), and give it the request's name
 * when it has none (generateName). Either {@code object} is set, or {@code response} is the answer
 * to give without judging.
 */
record CreateReview<T extends HasMetadata>(T object, AdmissionResponse response) {

  static <T extends HasMetadata> CreateReview<T> of(
      AdmissionRequest request,
      KubernetesSerialization serialization,
      String group,
      String kind,
      Class<T> type) {
    GroupVersionKind k = request.getKind();
    if (k == null || !group.equals(k.getGroup()) || !kind.equals(k.getKind())) {
      return new CreateReview<>(
          null,
          deny(
              request,
              400,
              "BadRequest",
              "this webhook validates "
                  + group
                  + " "
                  + kind
                  + " only, not "
                  + describe(k)
                  + "; check the rules of the"
                  + " ValidatingWebhookConfiguration finetune-operator"));
    }
    if (!"CREATE".equals(request.getOperation()) || request.getObject() == null) {
      return new CreateReview<>(null, allow(request));
    }
    T object;
    try {
      object = serialization.convertValue(request.getObject(), type);
    } catch (IllegalArgumentException e) {
      return new CreateReview<>(
          null,
          deny(
              request,
              400,
              "BadRequest",
              "request.object is not a " + kind + ": " + e.getMessage()));
    }
    if (object.getMetadata() != null
        && object.getMetadata().getName() == null
        && request.getName() != null
        && !request.getName().isEmpty()) {
      object.getMetadata().setName(request.getName());
    }
    return new CreateReview<>(object, null);
  }

  private static String describe(GroupVersionKind kind) {
    if (kind == null) {
      return "a request without kind";
    }
    String group =
        kind.getGroup() == null || kind.getGroup().isEmpty() ? "" : kind.getGroup() + "/";
    return group + kind.getVersion() + " " + kind.getKind();
  }

  static AdmissionResponse allow(AdmissionRequest request) {
    return new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true).build();
  }

  static AdmissionResponse deny(AdmissionRequest request, int code, String reason, String message) {
    return new AdmissionResponseBuilder()
        .withUid(request.getUid())
        .withAllowed(false)
        .withStatus(
            new StatusBuilder().withCode(code).withReason(reason).withMessage(message).build())
        .build();
  }
}
