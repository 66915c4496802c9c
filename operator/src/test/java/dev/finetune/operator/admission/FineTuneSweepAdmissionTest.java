package dev.finetune.operator.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.UriSchemes;
import dev.finetune.operator.validate.ImagePolicy;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile sweeps at admission: each denied with one line naming the field. */
class FineTuneSweepAdmissionTest {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  static String sweep(String parameters, String extra) {
    return """
        apiVersion: finetune.dev/v1alpha1
        kind: FineTuneSweep
        metadata: {name: lr-sweep, namespace: team-a}
        spec:
          template:
            model: {architecture: resnet18, pretrained: {uri: "hf://timm/resnet18.tv_in1k"}}
            dataset: {format: imagefolder, train: "s3://finetune/data.zip#train",
                      test: "s3://finetune/data.zip#test"}
            checkpoints: {uri: "s3://finetune/sweeps/lr", credentialsSecret: s3-creds}
            %s
          parameters:
        %s
        """
        .formatted(extra, parameters.indent(4));
  }

  static final String LR =
      """
      - name: training.learningRate
        searchSpace: {logUniform: {min: 1.0e-4, max: 1.0e-2, gridPoints: 3}}""";

  static AdmissionResponse review(String yaml, String operation, String kind) {
    AdmissionRequest request = new AdmissionRequest();
    request.setUid("uid-1");
    request.setKind(new GroupVersionKind("finetune.dev", kind, "v1alpha1"));
    request.setOperation(operation);
    request.setName("lr-sweep");
    request.setObject(JSON.unmarshal(yaml, Map.class));
    return FineTuneSweepAdmission.review(
        request,
        JSON,
        ImagePolicy.parse(java.util.Optional.of("registry.example/finetune/*")),
        UriSchemes.CLUSTER_DEFAULT);
  }

  @Test
  void validSweepIsAllowed() {
    AdmissionResponse r = review(sweep(LR, ""), "CREATE", "FineTuneSweep");
    assertTrue(r.getAllowed(), () -> r.getStatus().getMessage());
    assertEquals("uid-1", r.getUid());
  }

  static Stream<Arguments> hostile() {
    return Stream.of(
        Arguments.of(
            "unknown path",
            sweep(
                """
            - name: training.lr
              searchSpace: {uniform: {min: 0, max: 1, gridPoints: 2}}""",
                ""),
            "spec.parameters[0].name: 'training.lr' is not a sweepable FineTuneJob spec field;"
                + " allowed: "),
        Arguments.of(
            "wrong type",
            sweep(
                """
            - name: training.epochs
              searchSpace: {uniform: {min: 1, max: 5, gridPoints: 2}}""",
                ""),
            "spec.parameters[0].searchSpace.uniform: needs a real-number field;"
                + " training.epochs is an integer: use integer"),
        Arguments.of(
            "empty space",
            sweep(
                """
            - name: training.freeze
              searchSpace: {categorical: {choices: []}}""",
                ""),
            "spec.parameters[0].searchSpace.categorical.choices: is empty"),
        Arguments.of(
            "a grid of 10^6 points",
            sweep(
                """
            - name: training.seed
              searchSpace: {integer: {min: 0, max: 999999}}""",
                ""),
            "spec.parameters: the grid has 1000000 points; at most 1000 allowed"),
        Arguments.of(
            "parallelTrials 0",
            sweep(LR, "") + "  parallelTrials: 0\n",
            "spec.parallelTrials: must be in [1, 100], got 0"),
        Arguments.of(
            "a trial the job validator refuses",
            sweep(
                """
            - name: training.freeze
              searchSpace: {categorical: {choices: ["layer1", "fc"]}}""",
                ""),
            "spec.template.training.freeze: trial training.freeze=fc would be refused: 'fc' is"
                + " the new output layer and cannot be frozen"),
        Arguments.of(
            "an image outside the allowlist",
            sweep(LR, "image: evil.example/x:1"),
            "spec.template.image: \"evil.example/x:1\" is not allowed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void hostileSweepIsDenied(String name, String yaml, String message) {
    AdmissionResponse r = review(yaml, "CREATE", "FineTuneSweep");
    assertFalse(r.getAllowed(), name);
    assertEquals(422, r.getStatus().getCode());
    String got = r.getStatus().getMessage();
    assertTrue(got.startsWith(message), got);
    assertFalse(got.contains("\n"), got);
  }

  /** UPDATE is the CRD's CEL rule's (the spec is immutable), not the webhook's. */
  @Test
  void updatesAreAllowed() {
    AdmissionResponse r =
        review(sweep(LR, "") + "  parallelTrials: 0\n", "UPDATE", "FineTuneSweep");
    assertTrue(r.getAllowed());
    assertNull(r.getStatus());
  }

  @Test
  void otherKindsAreABadRequest() {
    AdmissionResponse r = review(sweep(LR, ""), "CREATE", "FineTuneJob");
    assertFalse(r.getAllowed());
    assertEquals(400, r.getStatus().getCode());
  }
}
