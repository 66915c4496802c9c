package dev.finetune.operator.act;

import static dev.finetune.operator.Fixtures.failedJob;
import static dev.finetune.operator.Fixtures.ftj;
import static dev.finetune.operator.Fixtures.job;
import static dev.finetune.operator.Fixtures.runningPod;
import static dev.finetune.operator.Fixtures.succeededJob;
import static dev.finetune.operator.Fixtures.terminatedPod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.operator.Fixtures;
import dev.finetune.operator.observe.JobObserver;
import dev.finetune.operator.observe.Labels;
import dev.finetune.operator.observe.Observation;
import dev.finetune.operator.status.StatusBuilder;
import dev.finetune.operator.validate.Validation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AttemptPlannerTest {
  static final Instant NOW = Instant.parse("2026-02-01T12:00:00Z");
  static final Validation VALID = new Validation.Valid(null);

  static Observation obs(List<Job> jobs, Pod... pods) {
    return JobObserver.observe(
        jobs,
        Stream.of(pods)
            .collect(Collectors.groupingBy(p -> p.getMetadata().getLabels().get(Labels.ATTEMPT))));
  }

  static Plan plan(FineTuneJob f, Observation o, Validation v) {
    var status = StatusBuilder.build(f, o, v, NOW);
    return AttemptPlanner.plan(f, o, v, status, NOW, Duration.ofSeconds(10), Duration.ofMinutes(5));
  }

  static Job stopped(Job j) {
    return new JobBuilder(j)
        .editMetadata()
        .addToAnnotations(Labels.STOPPED_BY, Labels.STOPPED_BY_SUSPEND)
        .endMetadata()
        .build();
  }

  static Stream<Arguments> cases() {
    String longAgo = NOW.minusSeconds(3600).toString();
    String justNow = NOW.minusSeconds(4).toString();
    return Stream.of(
        Arguments.of(
            "first attempt", ftj("a").obj(), obs(List.of()), VALID, new Plan.CreateAttempt(1)),
        Arguments.of(
            "running: nothing",
            ftj("a").obj(),
            obs(List.of(job("a", 1).build()), runningPod("a", 1)),
            VALID,
            new Plan.Nothing()),
        Arguments.of(
            "invalid: nothing",
            ftj("a").obj(),
            obs(List.of()),
            new Validation.Invalid("f", "m"),
            new Plan.Nothing()),
        Arguments.of(
            "waiting for source: nothing",
            ftj("a").obj(),
            obs(List.of()),
            new Validation.Waiting("WaitingForSource", "m"),
            new Plan.Nothing()),
        Arguments.of(
            "succeeded: nothing",
            ftj("a").obj(),
            obs(List.of(succeededJob("a", 1))),
            VALID,
            new Plan.Nothing()),
        Arguments.of(
            "exit 3: nothing",
            ftj("a").obj(),
            obs(List.of(failedJob("a", 1, longAgo)), terminatedPod("a", 1, 3, "bad").build()),
            VALID,
            new Plan.Nothing()),
        Arguments.of(
            "exit 143 after backoff: next attempt",
            ftj("a").obj(),
            obs(List.of(failedJob("a", 1, longAgo)), terminatedPod("a", 1, 143, null).build()),
            VALID,
            new Plan.CreateAttempt(2)),
        Arguments.of(
            "exit 143 just now: wait the rest of 10 s",
            ftj("a").obj(),
            obs(List.of(failedJob("a", 1, justNow)), terminatedPod("a", 1, 143, null).build()),
            VALID,
            new Plan.WaitBackoff(2, Duration.ofSeconds(6))),
        Arguments.of(
            "second retry waits 20 s",
            ftj("a").obj(),
            obs(List.of(failedJob("a", 1, longAgo), failedJob("a", 2, justNow))),
            VALID,
            new Plan.WaitBackoff(3, Duration.ofSeconds(16))),
        Arguments.of(
            "retries exhausted: nothing",
            ftj("a").spec(s -> s.backoffLimit = 0).obj(),
            obs(List.of(failedJob("a", 1, longAgo))),
            VALID,
            new Plan.Nothing()),
        Arguments.of(
            "suspend before start: nothing",
            ftj("a").suspend(true).obj(),
            obs(List.of()),
            VALID,
            new Plan.Nothing()),
        Arguments.of(
            "resume: next attempt at once",
            ftj("a").obj(),
            obs(List.of(stopped(failedJob("a", 1, justNow)))),
            VALID,
            new Plan.CreateAttempt(2)),
        Arguments.of(
            "numbers continue after Jobs were deleted (ttl)",
            ftj("a").status(s -> s.attempts = 4).obj(),
            obs(List.of()),
            VALID,
            new Plan.CreateAttempt(5)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void plans(String name, FineTuneJob f, Observation o, Validation v, Plan expected) {
    assertEquals(expected, plan(f, o, v));
  }

  @Test
  void suspendStopsTheRunningAttempt() {
    Observation o = obs(List.of(job("a", 1).build()), runningPod("a", 1));
    Plan p = plan(ftj("a").suspend(true).obj(), o, VALID);
    assertEquals(new Plan.StopAttempt(o.latest().orElseThrow()), p);
  }

  @Test
  void aStoppedAttemptWhosePodIsGoneWaitsForTheJobController() {
    Job marked =
        new JobBuilder(job("a", 1).build())
            .editMetadata()
            .addToAnnotations(Labels.STOPPED_BY, Labels.STOPPED_BY_SUSPEND)
            .endMetadata()
            .build();
    assertEquals(
        new Plan.Nothing(), plan(ftj("a").suspend(true).obj(), obs(List.of(marked)), VALID));
    Observation podBack = obs(List.of(marked), runningPod("a", 1));
    assertEquals(
        new Plan.StopAttempt(podBack.latest().orElseThrow()),
        plan(ftj("a").suspend(true).obj(), podBack, VALID));
  }

  @Test
  void aJobThatRetriesItsOwnPodIsLeftToDoSo() {
    // Long past any backoff: the operator would have made attempt 2 as a new Job (and a new
    // Kueue Workload at the back of the queue); the Job makes the next pod itself.
    Observation o =
        obs(
            List.of(Fixtures.inJob(job("a", 1).build())),
            terminatedPod("a", 1, 137, null)
                .editMetadata()
                .withCreationTimestamp(NOW.minusSeconds(3600).toString())
                .endMetadata()
                .build());
    assertTrue(o.latest().orElseThrow().retriedByJob());
    assertEquals(new Plan.Nothing(), plan(ftj("a").obj(), o, VALID));
    // Suspended between two pods, it is stopped, or the Job would start the next.
    assertEquals(
        new Plan.StopAttempt(o.latest().orElseThrow()),
        plan(ftj("a").suspend(true).obj(), o, VALID));
  }

  @Test
  void backoffDoublesUpToTheCap() {
    Duration base = Duration.ofSeconds(10);
    Duration max = Duration.ofSeconds(60);
    assertEquals(
        List.of(10L, 20L, 40L, 60L, 60L),
        Stream.of(1, 2, 3, 4, 10)
            .map(r -> AttemptPlanner.backoff(r, base, max).toSeconds())
            .toList());
  }
}
