package dev.finetune.operator.admission;

import dev.finetune.contract.UriSchemes;
import dev.finetune.operator.config.OperatorConfig;
import dev.finetune.operator.validate.ImagePolicy;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.BiFunction;

/**
 * The validating admission webhook: {@code POST /admission/validate-finetunejob} (and {@code
 * /admission/validate-finetunesweep}) with an {@code admission.k8s.io/v1} AdmissionReview, answered
 * with the same AdmissionReview carrying {@code response.uid}, {@code allowed} and, when denied, a
 * message naming the field. A body that is not such an AdmissionReview gets 400.
 * deploy/overlays/webhook registers it.
 */
@Path("/admission")
public class AdmissionResource {
  static final String API_VERSION = "admission.k8s.io/v1";

  @Inject KubernetesClient client;

  @Inject OperatorConfig config;

  @POST
  @Path("/validate-finetunejob")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response validateFineTuneJob(String body) {
    return answer(
        body,
        (request, serialization) ->
            FineTuneJobAdmission.review(
                request,
                serialization,
                ImagePolicy.parse(config.trainerAllowedImages()),
                UriSchemes.orTrainer(config.trainerAllowedSchemes())));
  }

  /** {@code POST /admission/validate-finetunesweep}: the same review for a FineTuneSweep. */
  @POST
  @Path("/validate-finetunesweep")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response validateFineTuneSweep(String body) {
    return answer(
        body,
        (request, serialization) ->
            FineTuneSweepAdmission.review(
                request,
                serialization,
                ImagePolicy.parse(config.trainerAllowedImages()),
                UriSchemes.orTrainer(config.trainerAllowedSchemes())));
  }

  private Response answer(
      String body,
      BiFunction<AdmissionRequest, KubernetesSerialization, AdmissionResponse> decide) {
    KubernetesSerialization serialization = client.getKubernetesSerialization();
    AdmissionReview review;
    try {
      review = serialization.unmarshal(body, AdmissionReview.class);
    } catch (RuntimeException e) {
      return badRequest("body is not a JSON AdmissionReview: " + e.getMessage());
    }
    if (review == null
        || !API_VERSION.equals(review.getApiVersion())
        || !"AdmissionReview".equals(review.getKind())) {
      return badRequest("expected apiVersion " + API_VERSION + ", kind AdmissionReview");
    }
    if (review.getRequest() == null || review.getRequest().getUid() == null) {
      return badRequest("AdmissionReview.request.uid is required");
    }
    AdmissionReview answer =
        new AdmissionReviewBuilder()
            .withApiVersion(API_VERSION)
            .withKind("AdmissionReview")
            .withResponse(decide.apply(review.getRequest(), serialization))
            .build();
    return Response.ok(serialization.asJson(answer), MediaType.APPLICATION_JSON).build();
  }

  private static Response badRequest(String message) {
    return Response.status(Response.Status.BAD_REQUEST)
        .type(MediaType.TEXT_PLAIN)
        .entity(message + "\n")
        .build();
  }
}
