package dev.finetune.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.spec.CheckpointSpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.contract.Conditions;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * s3:// checkpoints without credentialsSecret (the trainer uses its pod's identity, IRSA): the
 * operator cannot read object storage, and the status says so instead of going quiet.
 */
class NoCredentialsStatusTest {
  static final Instant NOW = Instant.parse("2026-02-01T12:00:00Z");

  static FineTuneJobStatus build(String uri, String secret) {
    var ftj =
        Fixtures.ftj("j")
            .spec(
                s -> {
                  s.checkpoints = new CheckpointSpec();
                  s.checkpoints.uri = uri;
                  s.checkpoints.credentialsSecret = secret;
                })
            .obj();
    return StatusBuilder.build(ftj, new Observation(List.of()), new Validation.Valid(null), NOW);
  }

  static Optional<Condition> storage(FineTuneJobStatus s) {
    return StatusBuilder.condition(s, Conditions.STORAGE_REACHABLE);
  }

  @Test
  void withoutASecretTheConditionSaysWhatIsOffAndHowToTurnItOn() {
    Condition c = storage(build("s3://bucket/runs/j", null)).orElseThrow();
    assertEquals("Unknown", c.getStatus());
    assertEquals("NoCredentials", c.getReason());
    assertTrue(
        c.getMessage()
            .startsWith(
                "spec.checkpoints.credentialsSecret is not set: the"
                    + " trainer may reach s3://bucket/runs/j through its pod's identity"),
        c.getMessage());
    assertTrue(
        c.getMessage().contains("status.latestCheckpoint")
            && c.getMessage().contains("artifactPolicy: Delete are off"),
        c.getMessage());
  }

  @Test
  void withASecretOrWithoutS3ThereIsNoSuchCondition() {
    assertTrue(
        storage(build("s3://bucket/runs/j", "s3-creds")).isEmpty(),
        "the first storage read sets it");
    assertTrue(storage(build("file:///data/runs/j", null)).isEmpty());
  }
}
