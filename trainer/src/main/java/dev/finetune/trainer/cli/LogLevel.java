package dev.finetune.trainer.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trainer's log level (slf4j-simple's {@code defaultLogLevel}), chosen before the first logger
 * exists: {@code FINETUNE_LOG_LEVEL} when set; else {@code warn} for {@code train} and {@code
 * sweep} with a progress bar on a terminal, so INFO lines (checkpoint writes, downloads) do not
 * break the bar; else slf4j's own default, {@code info} (pods, {@code --no-progress}, pipes).
 */
final class LogLevel {
  static final String PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";
  static final String VARIABLE = "FINETUNE_LOG_LEVEL";
  private static final List<String> LEVELS =
      List.of("trace", "debug", "info", "warn", "error", "off");

  private LogLevel() {}

  /** Sets the level for this JVM unless {@code -D} already did. */
  static void apply(String[] args, boolean terminal, Map<String, String> env) {
    if (System.getProperty(PROPERTY) == null) {
      choose(args, terminal, env).ifPresent(level -> System.setProperty(PROPERTY, level));
    }
  }

  /**
   * The level to set, if any; an unknown {@code FINETUNE_LOG_LEVEL} is an error naming the allowed
   * ones.
   */
  static Optional<String> choose(String[] args, boolean terminal, Map<String, String> env) {
    String wanted = env.get(VARIABLE);
    if (wanted != null && !wanted.isBlank()) {
      String level = wanted.trim().toLowerCase(java.util.Locale.ROOT);
      if (!LEVELS.contains(level)) {
        throw new IllegalArgumentException(
            VARIABLE + "=" + wanted + ": allowed " + String.join(", ", LEVELS));
      }
      return Optional.of(level);
    }
    List<String> a = List.of(args);
    boolean train = !a.isEmpty() && (a.get(0).equals("train") || a.get(0).equals("sweep"));
    boolean bar = terminal && !a.contains("--no-progress");
    return train && bar ? Optional.of("warn") : Optional.empty();
  }
}
