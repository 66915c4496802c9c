package dev.finetune.operator.registry;

import static dev.finetune.operator.Fixtures.ftj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.spec.MlflowRegistrySpec;
import dev.finetune.api.v1alpha1.spec.RegistrySpec;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.api.v1alpha1.status.Lineage;
import dev.finetune.api.v1alpha1.status.RegisteredModel;
import dev.finetune.contract.Conditions;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When a job registers, how long a failed try waits, and what status says. */
class RegistrationTest {
  static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
  static final Duration BASE = Duration.ofSeconds(10);
  static final Duration MAX = Duration.ofMinutes(5);

  static FineTuneJob job(boolean registry, Consumer<FineTuneJobStatus> status) {
    return ftj("a")
        .spec(
            s -> {
              if (registry) {
                s.registry = new RegistrySpec();
                s.registry.mlflow = new MlflowRegistrySpec();
                s.registry.mlflow.uri = "http://mlflow:5000";
              }
            })
        .status(
            s -> {
              s.phase = "Succeeded";
              s.finalModelUri = "s3://ckpt/a/model/model.safetensors";
              s.resultSource = "TerminationMessage";
              s.lineage = new Lineage();
              status.accept(s);
            })
        .obj();
  }

  static Stream<Arguments> cases() {
    Consumer<FineTuneJobStatus> same = s -> {};
    return Stream.of(
        Arguments.of("succeeded with final numbers and lineage", true, same, true, true),
        Arguments.of("no spec.registry", false, same, true, false),
        Arguments.of(
            "still running",
            true,
            (Consumer<FineTuneJobStatus>) s -> s.phase = "Running",
            true,
            false),
        Arguments.of(
            "failed", true, (Consumer<FineTuneJobStatus>) s -> s.phase = "Failed", true, false),
        Arguments.of(
            "final numbers not read yet",
            true,
            (Consumer<FineTuneJobStatus>) s -> s.resultSource = null,
            true,
            false),
        Arguments.of(
            "already registered",
            true,
            (Consumer<FineTuneJobStatus>) s -> s.registeredModel = new RegisteredModel(),
            true,
            false),
        Arguments.of(
            "lineage not read yet, storage not answered",
            true,
            (Consumer<FineTuneJobStatus>) s -> s.lineage = null,
            true,
            false),
        Arguments.of(
            "lineage not read, storage the operator cannot read",
            true,
            (Consumer<FineTuneJobStatus>) s -> s.lineage = null,
            false,
            true),
        Arguments.of(
            "storage answered without lineage",
            true,
            (Consumer<FineTuneJobStatus>)
                s -> {
                  s.lineage = null;
                  s.conditions.add(
                      new ConditionBuilder()
                          .withType(Conditions.STORAGE_REACHABLE)
                          .withStatus("True")
                          .build());
                },
            true,
            true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void wanted(
      String name,
      boolean registry,
      Consumer<FineTuneJobStatus> status,
      boolean storageConfigured,
      boolean expected) {
    FineTuneJob ftj = job(registry, status);
    assertEquals(expected, Registration.wanted(ftj, ftj.getStatus(), storageConfigured));
  }

  @Test
  void aFailedTryWaitsAsLongAsRegistrationHasFailedBetweenBaseAndMax() {
    assertEquals(BASE, Registration.retryDelay(null, NOW, BASE, MAX));
    assertEquals(BASE, Registration.retryDelay(NOW.minusSeconds(3), NOW, BASE, MAX));
    assertEquals(
        Duration.ofSeconds(40), Registration.retryDelay(NOW.minusSeconds(40), NOW, BASE, MAX));
    assertEquals(MAX, Registration.retryDelay(NOW.minusSeconds(3600), NOW, BASE, MAX));
  }

  @Test
  void unavailableKeepsItsTransitionTimeAndSuccessReplacesIt() {
    FineTuneJobStatus s = job(true, x -> {}).getStatus();
    assertTrue(Registration.failingSince(s).isEmpty());
    Registration.unavailable(
        s,
        "MLflow registered-models/create at http://mlflow:5000 failed:" + " Connection refused",
        BASE,
        1L,
        NOW);
    assertEquals(NOW, Registration.failingSince(s).orElseThrow());
    Registration.unavailable(s, "again", Duration.ofSeconds(20), 1L, NOW.plusSeconds(20));
    assertEquals(NOW, Registration.failingSince(s).orElseThrow(), "still failing since the first");
    var c = s.conditions.stream().filter(x -> Conditions.REGISTERED.equals(x.getType())).toList();
    assertEquals(1, c.size());
    assertEquals("False", c.get(0).getStatus());
    assertEquals(Conditions.REGISTRY_UNAVAILABLE, c.get(0).getReason());
    assertEquals("again; retrying in 20 s (the job stays Succeeded)", c.get(0).getMessage());
    assertEquals("Succeeded", s.phase);
    assertNull(s.registeredModel);

    RegisteredModel m = new RegisteredModel();
    m.registry = "mlflow";
    m.name = "a";
    m.version = "1";
    m.uri = s.finalModelUri;
    Registration.registered(s, m, 1L, NOW.plusSeconds(60));
    var done =
        s.conditions.stream()
            .filter(x -> Conditions.REGISTERED.equals(x.getType()))
            .findFirst()
            .orElseThrow();
    assertEquals("True", done.getStatus());
    assertEquals(Conditions.VERSION_REGISTERED, done.getReason());
    assertEquals("2026-12-06T10:01:00Z", done.getLastTransitionTime());
    assertTrue(Registration.failingSince(s).isEmpty());
    assertFalse(Registration.wanted(job(true, x -> x.registeredModel = m), s, true));
  }
}
