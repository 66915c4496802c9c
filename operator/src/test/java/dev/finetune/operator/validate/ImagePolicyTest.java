package dev.finetune.operator.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.UriSchemes;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.admission.FineTuneJobAdmission;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** finetune.operator.trainer-allowed-images: which images spec.image may name. */
class ImagePolicyTest {
  static final ImagePolicy POLICY =
      ImagePolicy.parse(
          Optional.of(" registry.example.com/ml/* , localhost/finetune-trainer:0.1.0-cpu ,"));

  static FineTuneJob job(String image) {
    return Fixtures.ftj("j").spec(s -> s.image = image).obj();
  }

  @Test
  void exactNamesAndPrefixesAreAllowedAndNothingElse() {
    assertTrue(POLICY.allows("registry.example.com/ml/trainer:1.2"));
    assertTrue(POLICY.allows("localhost/finetune-trainer:0.1.0-cpu"));
    assertFalse(POLICY.allows("localhost/finetune-trainer:0.1.0-cpu-evil"), "exact, not prefix");
    assertFalse(POLICY.allows("registry.example.com/mlx/trainer:1"));
    assertFalse(POLICY.allows("docker.io/attacker/miner:latest"));
  }

  @Test
  void unsetOrBlankAllowsAnyImage() {
    assertTrue(ImagePolicy.parse(Optional.empty()).allows("docker.io/any/image"));
    assertTrue(ImagePolicy.parse(Optional.of(" , ")).allows("docker.io/any/image"));
  }

  @Test
  void aRefusedImageFailsValidationNamingTheFieldAndTheAllowedImages() {
    Validation v =
        Validation.of(
            job("docker.io/attacker/miner:latest"),
            n -> Optional.empty(),
            Instant.now(),
            Duration.ofMinutes(1),
            POLICY,
            UriSchemes.TRAINER);
    Validation.Invalid invalid = (Validation.Invalid) v;
    assertEquals("spec.image", invalid.field());
    assertEquals(
        "\"docker.io/attacker/miner:latest\" is not allowed by this operator; allowed:"
            + " registry.example.com/ml/*, localhost/finetune-trainer:0.1.0-cpu"
            + " (finetune.operator.trainer-allowed-images); or leave spec.image unset to run the"
            + " operator's trainer image",
        invalid.message());
  }

  @Test
  void aJobWithoutSpecImageIsNeverRefused() {
    assertTrue(
        Validation.of(
                job(null),
                n -> Optional.empty(),
                Instant.now(),
                Duration.ofMinutes(1),
                POLICY,
                UriSchemes.TRAINER)
            instanceof Validation.Valid);
    assertTrue(
        Validation.of(
                job("registry.example.com/ml/t:1"),
                n -> Optional.empty(),
                Instant.now(),
                Duration.ofMinutes(1),
                POLICY,
                UriSchemes.TRAINER)
            instanceof Validation.Valid);
  }

  @Test
  void theAdmissionWebhookDeniesARefusedImage() {
    KubernetesSerialization json = new KubernetesSerialization();
    AdmissionRequest request = new AdmissionRequest();
    request.setUid("u1");
    request.setOperation("CREATE");
    request.setKind(new GroupVersionKind("finetune.dev", "FineTuneJob", "v1alpha1"));
    request.setObject(job("docker.io/attacker/miner:latest"));
    AdmissionResponse denied =
        FineTuneJobAdmission.review(request, json, POLICY, UriSchemes.TRAINER);
    assertFalse(denied.getAllowed());
    assertTrue(
        denied.getStatus().getMessage().startsWith("spec.image: \"docker.io/attacker"),
        denied.getStatus().getMessage());
    request.setObject(job("registry.example.com/ml/t:1"));
    assertTrue(FineTuneJobAdmission.review(request, json, POLICY, UriSchemes.TRAINER).getAllowed());
  }
}
