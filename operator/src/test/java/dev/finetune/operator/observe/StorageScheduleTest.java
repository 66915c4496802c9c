package dev.finetune.operator.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StorageScheduleTest {
  static final Instant NOW = Instant.parse("2026-02-01T12:00:00Z");
  static final Duration EVERY = Duration.ofSeconds(60);
  static final Instant RECENT = NOW.minusSeconds(10);
  static final Instant LONG_AGO = NOW.minusSeconds(60);

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, started, finishesNow, finished, answered, lastListed, due
        Arguments.of("not started: nothing to list", false, false, false, false, null, false),
        Arguments.of("running, never listed", true, false, false, false, null, true),
        Arguments.of(
            "running, listed 10 s ago: throttled", true, false, false, true, RECENT, false),
        Arguments.of("running, listed an interval ago", true, false, false, true, LONG_AGO, true),
        Arguments.of(
            "finishes now: forced despite throttle", true, true, false, true, RECENT, true),
        Arguments.of(
            "finished and storage answered: never again", true, false, true, true, LONG_AGO, false),
        Arguments.of(
            "finished, last listing failed: retry at the interval",
            true,
            false,
            true,
            false,
            LONG_AGO,
            true),
        Arguments.of(
            "finished, last listing failed, throttled", true, false, true, false, RECENT, false),
        Arguments.of(
            "finished, operator restarted, storage had answered",
            true,
            false,
            true,
            true,
            null,
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void due(
      String name,
      boolean started,
      boolean finishesNow,
      boolean finished,
      boolean answered,
      Instant lastListed,
      boolean due) {
    assertEquals(
        due, StorageSchedule.due(started, finishesNow, finished, answered, lastListed, NOW, EVERY));
  }
}
