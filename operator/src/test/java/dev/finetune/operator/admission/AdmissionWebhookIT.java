package dev.finetune.operator.admission;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.finetune.operator.it.CrdSetup;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The webhook endpoint over HTTP, as the API server calls it: AdmissionReviews in, the uid echoed
 * and allowed/denied with the field named. Same Quarkus app (and mock API server) as the other
 * operator ITs, so it costs no extra start.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = CrdSetup.class)
class AdmissionWebhookIT {
  static final String PATH = "/admission/validate-finetunejob";

  /** A FineTuneJob as kubectl sends it (plain JSON maps, so each case edits one field). */
  static Map<String, Object> ftj(String name, Consumer<Map<String, Object>> editSpec) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("model", new LinkedHashMap<>(Map.of("architecture", "resnet18")));
    spec.put(
        "dataset",
        new LinkedHashMap<>(
            Map.of(
                "format",
                "imagefolder",
                "train",
                "s3://finetune/data.zip#train",
                "test",
                "s3://finetune/data.zip#test")));
    spec.put("checkpoints", new LinkedHashMap<>(Map.of("uri", "s3://finetune/runs/" + name)));
    spec.put("resources", new LinkedHashMap<>(Map.of("cpu", "2", "memory", "4Gi")));
    editSpec.accept(spec);
    return Map.of(
        "apiVersion",
        "finetune.dev/v1alpha1",
        "kind",
        "FineTuneJob",
        "metadata",
        Map.of("name", name, "namespace", "team-a"),
        "spec",
        spec);
  }

  static Map<String, Object> review(String uid, String operation, Map<String, Object> object) {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("uid", uid);
    request.put(
        "kind", Map.of("group", "finetune.dev", "version", "v1alpha1", "kind", "FineTuneJob"));
    request.put(
        "resource",
        Map.of("group", "finetune.dev", "version", "v1alpha1", "resource", "finetunejobs"));
    request.put("name", ((Map<?, ?>) object.get("metadata")).get("name"));
    request.put("namespace", "team-a");
    request.put("operation", operation);
    request.put("userInfo", Map.of("username", "alice"));
    request.put("object", object);
    request.put("dryRun", false);
    return Map.of(
        "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview", "request", request);
  }

  @SuppressWarnings("unchecked")
  static Consumer<Map<String, Object>> set(String path, Object value) {
    return spec -> {
      String[] keys = path.split("\\.");
      Map<String, Object> m = spec;
      for (int i = 0; i < keys.length - 1; i++) {
        m = (Map<String, Object>) m.computeIfAbsent(keys[i], k -> new LinkedHashMap<>());
      }
      m.put(keys[keys.length - 1], value);
    };
  }

  static Stream<Arguments> denied() {
    return Stream.of(
        Arguments.of("name of 49 characters", ftj("a".repeat(49), s -> {}), "metadata.name:"),
        Arguments.of(
            "file:// checkpoints",
            ftj("a", set("checkpoints.uri", "file:///ckpt")),
            "spec.checkpoints.uri: scheme 'file' is not supported in a cluster"),
        Arguments.of(
            "s3 checkpoints without bucket",
            ftj("a", set("checkpoints.uri", "s3://x")),
            "spec.checkpoints.uri: 's3://x' has no valid bucket"),
        Arguments.of(
            "ftp dataset",
            ftj("a", set("dataset.train", "ftp://h/train.zip")),
            "spec.dataset.train: scheme 'ftp' is not allowed in this cluster; allowed: file, http,"
                + " https, s3, hf (finetune.operator.trainer-allowed-schemes)"),
        Arguments.of(
            "https without host",
            ftj("a", set("dataset.test", "https:///t.zip")),
            "spec.dataset.test: 'https:///t.zip' is not a valid https:// URL with a host"),
        Arguments.of(
            "cpu not a quantity",
            ftj("a", set("resources.cpu", "four")),
            "spec.resources.cpu: 'four' is not a Kubernetes quantity"),
        Arguments.of(
            "queueName not a label value",
            ftj("a", set("queueName", "gpu/a100")),
            "spec.queueName: 'gpu/a100' is not a Kueue LocalQueue name"),
        Arguments.of(
            "secret name with capitals",
            ftj("a", set("checkpoints.credentialsSecret", "S3")),
            "spec.checkpoints.credentialsSecret: 'S3' is not a Secret name"),
        Arguments.of(
            "fromJob names itself",
            ftj("a", set("model.pretrained.fromJob", "a")),
            "spec.model.pretrained.fromJob: a job cannot start from its own model"),
        Arguments.of(
            "fromJob not a name",
            ftj("a", set("model.pretrained.fromJob", "My_Job")),
            "spec.model.pretrained.fromJob: 'My_Job' is not a FineTuneJob name"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("denied")
  void deniesWithTheFieldAndWhatIsAllowed(String name, Map<String, Object> object, String message) {
    given()
        .contentType(ContentType.JSON)
        .body(review("uid-" + name.hashCode(), "CREATE", object))
        .when()
        .post(PATH)
        .then()
        .statusCode(200)
        .body("apiVersion", equalTo("admission.k8s.io/v1"))
        .body("kind", equalTo("AdmissionReview"))
        .body("response.uid", equalTo("uid-" + name.hashCode()))
        .body("response.allowed", equalTo(false))
        .body("response.status.code", equalTo(422))
        .body("response.status.message", startsWith(message));
  }

  @Test
  void allowsAValidJob() {
    given()
        .contentType(ContentType.JSON)
        .body(review("u-1", "CREATE", ftj("ok", s -> {})))
        .when()
        .post(PATH)
        .then()
        .statusCode(200)
        .body("response.uid", equalTo("u-1"))
        .body("response.allowed", equalTo(true))
        .body("response.status", nullValue());
  }

  /** GitOps applies in any order: the source may come later, and the reconciler waits for it. */
  @Test
  void allowsAFromJobThatDoesNotExistYet() {
    given()
        .contentType(ContentType.JSON)
        .body(review("u-2", "CREATE", ftj("target", set("model.pretrained.fromJob", "not-yet"))))
        .when()
        .post(PATH)
        .then()
        .statusCode(200)
        .body("response.uid", equalTo("u-2"))
        .body("response.allowed", equalTo(true));
  }

  /** Spec is immutable but for suspend (CEL); updates are never denied, so finalizers can go. */
  @Test
  void allowsUpdatesEvenOfAnOldInvalidObject() {
    given()
        .contentType(ContentType.JSON)
        .body(review("u-3", "UPDATE", ftj("old", set("checkpoints.uri", "file:///ckpt"))))
        .when()
        .post(PATH)
        .then()
        .statusCode(200)
        .body("response.allowed", equalTo(true));
  }

  @Test
  void deniesAnotherKind() {
    Map<String, Object> review = new LinkedHashMap<>(review("u-4", "CREATE", ftj("x", s -> {})));
    @SuppressWarnings("unchecked")
    Map<String, Object> request = new LinkedHashMap<>((Map<String, Object>) review.get("request"));
    request.put("kind", Map.of("group", "apps", "version", "v1", "kind", "Deployment"));
    review.put("request", request);
    given()
        .contentType(ContentType.JSON)
        .body(review)
        .when()
        .post(PATH)
        .then()
        .statusCode(200)
        .body("response.uid", equalTo("u-4"))
        .body("response.allowed", equalTo(false))
        .body("response.status.message", containsString("not apps/v1 Deployment"));
  }

  @Test
  void malformedBodiesGet400() {
    given()
        .contentType(ContentType.JSON)
        .body("{not json")
        .when()
        .post(PATH)
        .then()
        .statusCode(400)
        .body(containsString("not a JSON AdmissionReview"));
    given()
        .contentType(ContentType.JSON)
        .body(ftj("x", s -> {}))
        .when()
        .post(PATH)
        .then()
        .statusCode(400);
    given()
        .contentType(ContentType.JSON)
        .body(
            Map.of(
                "apiVersion",
                "admission.k8s.io/v1beta1",
                "kind",
                "AdmissionReview",
                "request",
                Map.of("uid", "u")))
        .when()
        .post(PATH)
        .then()
        .statusCode(400)
        .body(containsString("expected apiVersion admission.k8s.io/v1"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview"))
        .when()
        .post(PATH)
        .then()
        .statusCode(400)
        .body(containsString("request.uid is required"));
  }

  /** The reconciler and the webhook say the same thing about the same problem. */
  @Test
  void sameMessageAsTheReconcilersFailedCondition() {
    var job = new dev.finetune.api.v1alpha1.FineTuneJob();
    job.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName("a")
            .withNamespace("team-a")
            .build());
    job.setSpec(new dev.finetune.api.v1alpha1.spec.FineTuneJobSpec());
    job.getSpec().dataset.train = "s3://finetune/t";
    job.getSpec().dataset.test = "s3://finetune/t";
    job.getSpec().queueName = "gpu/a100";
    var reconciler =
        dev.finetune.operator.validate.Validation.of(
            job, n -> java.util.Optional.empty(), java.time.Instant.now(), java.time.Duration.ZERO);
    String text = ((dev.finetune.operator.validate.Validation.Invalid) reconciler).text();
    given()
        .contentType(ContentType.JSON)
        .body(review("u-5", "CREATE", ftj("a", set("queueName", "gpu/a100"))))
        .when()
        .post(PATH)
        .then()
        .statusCode(200)
        .body("response.status.message", equalTo(text));
  }
}
