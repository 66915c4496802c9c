package dev.finetune.operator.status;

import static dev.finetune.operator.Fixtures.failedJob;
import static dev.finetune.operator.Fixtures.ftj;
import static dev.finetune.operator.Fixtures.job;
import static dev.finetune.operator.Fixtures.runningPod;
import static dev.finetune.operator.Fixtures.succeededJob;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static dev.finetune.operator.status.StatusBuilderTest.AT;
import static dev.finetune.operator.status.StatusBuilderTest.NOW;
import static dev.finetune.operator.status.StatusBuilderTest.VALID;
import static dev.finetune.operator.status.StatusBuilderTest.obs;
import static dev.finetune.operator.status.StatusBuilderTest.stopped;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.validate.Validation;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ready, Reconciling and Stalled, read the way kstatus (sigs.k8s.io/cli-utils/pkg/kstatus)
 * documents it for custom resources: a status older than the spec is InProgress; then
 * Reconciling=True is InProgress, Stalled=True is Failed; then Ready=True is Current and
 * Ready=False InProgress. Flux health checks use that computation; {@code kubectl wait
 * --for=condition=Ready} waits for Ready=True.
 */
public class KstatusTest {
  /** kstatus' result for a custom resource with these conditions (documented rules). */
  public static String kstatus(FineTuneJob ftj, FineTuneJobStatus s) {
    if (s.observedGeneration != null
        && !s.observedGeneration.equals(ftj.getMetadata().getGeneration())) {
      return "InProgress";
    }
    if (isTrue(s, "Reconciling")) {
      return "InProgress";
    }
    if (isTrue(s, "Stalled")) {
      return "Failed";
    }
    return StatusBuilder.condition(s, "Ready")
        .map(c -> "True".equals(c.getStatus()) ? "Current" : "InProgress")
        .orElse("Current");
  }

  static boolean isTrue(FineTuneJobStatus s, String type) {
    return StatusBuilder.condition(s, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  static Stream<Arguments> cases() {
    Validation invalid = new Validation.Invalid("spec.model.pretrained.fromJob", "x failed");
    return Stream.of(
        // name, ftj, observation, validation, Ready, Reconciling, Stalled, kstatus, reason
        Arguments.of(
            "no attempt yet",
            ftj("a").obj(),
            obs(List.of()),
            VALID,
            "False",
            "True",
            "False",
            "InProgress",
            "Creating"),
        Arguments.of(
            "running",
            ftj("a").obj(),
            obs(List.of(job("a", 1).build()), runningPod("a", 1)),
            VALID,
            "False",
            "True",
            "False",
            "InProgress",
            "PodRunning"),
        Arguments.of(
            "restarting",
            ftj("a").obj(),
            obs(List.of(failedJob("a", 1, AT)), terminatedPod("a", 1, 129, null).build()),
            VALID,
            "False",
            "True",
            "False",
            "InProgress",
            "Restarting"),
        Arguments.of(
            "suspending",
            ftj("a").suspend(true).obj(),
            obs(List.of(job("a", 1).build()), runningPod("a", 1)),
            VALID,
            "False",
            "True",
            "False",
            "InProgress",
            "Suspending"),
        Arguments.of(
            "suspended",
            ftj("a").suspend(true).obj(),
            obs(List.of(stopped(failedJob("a", 1, AT)))),
            VALID,
            "False",
            "False",
            "False",
            "InProgress",
            "Suspended"),
        Arguments.of(
            "succeeded",
            ftj("a").obj(),
            obs(List.of(succeededJob("a", 1))),
            VALID,
            "True",
            "False",
            "False",
            "Current",
            "Succeeded"),
        Arguments.of(
            "permanent failure",
            ftj("a").obj(),
            obs(List.of(failedJob("a", 1, AT)), terminatedPod("a", 1, 5, "error: dataset").build()),
            VALID,
            "False",
            "False",
            "True",
            "Failed",
            "PermanentFailure"),
        Arguments.of(
            "invalid spec",
            ftj("a").obj(),
            obs(List.of()),
            invalid,
            "False",
            "False",
            "True",
            "Failed",
            "InvalidSpec"),
        Arguments.of(
            "backoff limit",
            ftj("a").spec(s -> s.backoffLimit = 0).obj(),
            obs(List.of(failedJob("a", 1, AT))),
            VALID,
            "False",
            "False",
            "True",
            "Failed",
            "BackoffLimitExceeded"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void conditionsAndKstatus(
      String name,
      FineTuneJob ftj,
      Observation obs,
      Validation v,
      String ready,
      String reconciling,
      String stalled,
      String kstatus,
      String reason) {
    FineTuneJobStatus s = StatusBuilder.build(ftj, obs, v, NOW);
    assertEquals(ready, StatusBuilder.condition(s, "Ready").orElseThrow().getStatus(), "Ready");
    assertEquals(
        reconciling,
        StatusBuilder.condition(s, "Reconciling").orElseThrow().getStatus(),
        "Reconciling");
    assertEquals(
        stalled, StatusBuilder.condition(s, "Stalled").orElseThrow().getStatus(), "Stalled");
    String trueOrReady =
        Stream.of("Reconciling", "Stalled").filter(t -> isTrue(s, t)).findFirst().orElse("Ready");
    assertEquals(reason, StatusBuilder.condition(s, trueOrReady).orElseThrow().getReason());
    assertEquals(kstatus, kstatus(ftj, s));
    s.conditions.forEach(c -> assertEquals(1L, c.getObservedGeneration(), c.getType()));
  }

  @Test
  void aStatusOlderThanTheSpecIsInProgressUntilTheOperatorSeesIt() {
    FineTuneJob a = ftj("a").obj();
    a.setStatus(StatusBuilder.build(a, obs(List.of(succeededJob("a", 1))), VALID, NOW));
    assertEquals("Current", kstatus(a, a.getStatus()));
    a.getMetadata().setGeneration(2L); // e.g. spec.suspend edited after the end
    assertEquals("InProgress", kstatus(a, a.getStatus()));
    FineTuneJobStatus seen = StatusBuilder.build(a, obs(List.of()), VALID, NOW.plusSeconds(5));
    assertEquals("Current", kstatus(a, seen));
    seen.conditions.forEach(c -> assertEquals(2L, c.getObservedGeneration(), c.getType()));
  }

  @Test
  void aTerminalStatusWrittenBeforeReadyExistedGetsIt() {
    FineTuneJob a = ftj("a").obj();
    FineTuneJobStatus old =
        StatusBuilder.build(
            a,
            obs(List.of(failedJob("a", 1, AT)), terminatedPod("a", 1, 5, "error: dataset").build()),
            VALID,
            NOW);
    old.conditions.removeIf(c -> ReadyConditions.TYPES.contains(c.getType()));
    a.setStatus(old);
    FineTuneJobStatus s = StatusBuilder.build(a, obs(List.of()), VALID, NOW.plusSeconds(5));
    assertEquals("Failed", kstatus(a, s));
    assertEquals(
        "PermanentFailure", StatusBuilder.condition(s, "Stalled").orElseThrow().getReason());
  }
}
