package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogLevelTest {
  static final String[] TRAIN = {"train", "job.yaml", "-o", "out"};

  @Test
  void theProgressBarOnATerminalHidesInfoLines() {
    assertEquals(Optional.of("warn"), LogLevel.choose(TRAIN, true, Map.of()));
    assertEquals(
        Optional.of("warn"), LogLevel.choose(new String[] {"sweep", "s.yaml"}, true, Map.of()));
  }

  @Test
  void podsPipesAndNoProgressKeepEveryLine() {
    assertEquals(Optional.empty(), LogLevel.choose(TRAIN, false, Map.of()), "no terminal");
    assertEquals(
        Optional.empty(),
        LogLevel.choose(new String[] {"train", "job.yaml", "--no-progress"}, true, Map.of()),
        "--no-progress");
    assertEquals(
        Optional.empty(),
        LogLevel.choose(new String[] {"validate", "job.yaml"}, true, Map.of()),
        "not train");
  }

  @Test
  void theVariableWinsAndIsChecked() {
    assertEquals(
        Optional.of("debug"), LogLevel.choose(TRAIN, true, Map.of(LogLevel.VARIABLE, "DEBUG")));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LogLevel.choose(TRAIN, false, Map.of(LogLevel.VARIABLE, "loud")));
    assertTrue(
        e.getMessage()
            .contains("FINETUNE_LOG_LEVEL=loud: allowed trace, debug, info," + " warn, error, off"),
        e.getMessage());
  }
}
