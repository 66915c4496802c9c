package dev.finetune.operator.act;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.api.v1alpha1.status.FineTuneJobStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExpiryTest {
  static final String AT = "2026-02-01T12:00:00Z";

  static FineTuneJobStatus status(String phase, String trueType) {
    FineTuneJobStatus s = new FineTuneJobStatus();
    s.phase = phase;
    s.conditions =
        List.of("Running", "Succeeded", "Failed").stream()
            .map(
                t ->
                    new ConditionBuilder()
                        .withType(t)
                        .withStatus(t.equals(trueType) ? "True" : "False")
                        .withLastTransitionTime(AT)
                        .build())
            .toList();
    return s;
  }

  static Stream<Arguments> cases() {
    Instant at = Instant.parse(AT);
    return Stream.of(
        Arguments.of("no ttl", status("Succeeded", "Succeeded"), null, Optional.empty()),
        Arguments.of("running", status("Running", "Running"), 10, Optional.empty()),
        Arguments.of("no status", null, 10, Optional.empty()),
        Arguments.of(
            "succeeded: ttl plus the rounding second",
            status("Succeeded", "Succeeded"),
            10,
            Optional.of(at.plusSeconds(11))),
        Arguments.of("failed", status("Failed", "Failed"), 0, Optional.of(at.plusSeconds(1))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void deleteAt(String name, FineTuneJobStatus status, Integer ttl, Optional<Instant> at) {
    assertEquals(at, Expiry.deleteAt(status, ttl));
  }

  static Stream<Arguments> delays() {
    Instant t0 = Instant.parse(AT);
    Duration base = Duration.ofSeconds(10);
    Duration max = Duration.ofMinutes(5);
    return Stream.of(
        Arguments.of("first try", t0, t0, base, max, base),
        Arguments.of("no deletion timestamp", null, t0, base, max, base),
        Arguments.of(
            "waited 25 s: wait 25 s more",
            t0,
            t0.plusSeconds(25),
            base,
            max,
            Duration.ofSeconds(25)),
        Arguments.of("capped", t0, t0.plusSeconds(3600), base, max, max));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("delays")
  void retryDelayDoubles(
      String name, Instant requested, Instant now, Duration base, Duration max, Duration expected) {
    assertEquals(expected, StorageArtifacts.retryDelay(requested, now, base, max));
  }

  static Stream<Arguments> marks() {
    return Stream.of(
        Arguments.of(Map.of(), Map.of(), Optional.empty()),
        Arguments.of(Map.of("app.kubernetes.io/instance", "x"), Map.of(), Optional.empty()),
        Arguments.of(
            Map.of(),
            Map.of(
                "argocd.argoproj.io/tracking-id",
                "experiments:finetune.dev/FineTuneJob:team-a/hotdog"),
            Optional.of("annotation argocd.argoproj.io/tracking-id")),
        Arguments.of(
            Map.of("argocd.argoproj.io/instance", "experiments"),
            Map.of(),
            Optional.of("label argocd.argoproj.io/instance")),
        Arguments.of(
            Map.of("kustomize.toolkit.fluxcd.io/name", "experiments"),
            Map.of(),
            Optional.of("label kustomize.toolkit.fluxcd.io/name")),
        Arguments.of(
            Map.of("helm.toolkit.fluxcd.io/name", "experiments"),
            null,
            Optional.of("label helm.toolkit.fluxcd.io/name")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("marks")
  void gitOpsMarksHoldFinishedJobs(
      Map<String, String> labels, Map<String, String> annotations, Optional<String> expected) {
    assertEquals(expected, Expiry.heldBy(labels, annotations));
  }
}
