package dev.finetune.operator.observe;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trainer's Prometheus gauges ({@code finetune_*}) by run ("finetune" or "baseline"), parsed
 * from the text exposition format its pod serves on :9400/metrics.
 */
public record TrainerMetrics(Map<String, Map<String, Double>> byRun) {
  public static final String FINETUNE = "finetune";
  public static final String BASELINE = "baseline";
  private static final Pattern LINE =
      Pattern.compile("^(finetune_[a-zA-Z0-9_]+)(?:\\{([^}]*)})?\\s+(\\S+)");
  private static final Pattern RUN = Pattern.compile("(?:^|,)\\s*run=\"([^\"]*)\"");

  public static TrainerMetrics parse(String text) {
    Map<String, Map<String, Double>> byRun = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = LINE.matcher(line);
      if (line.startsWith("#") || !m.find()) {
        continue;
      }
      double value;
      try {
        value = Double.parseDouble(m.group(3));
      } catch (NumberFormatException e) {
        continue;
      }
      String run = "";
      if (m.group(2) != null) {
        Matcher r = RUN.matcher(m.group(2));
        if (r.find()) {
          run = r.group(1);
        }
      }
      byRun.computeIfAbsent(run, k -> new HashMap<>()).put(m.group(1), value);
    }
    return new TrainerMetrics(byRun);
  }

  /** A finite value of gauge {@code name} of {@code run}. */
  public Optional<Double> get(String run, String name) {
    Double v = byRun.getOrDefault(run, Map.of()).get(name);
    return v == null || !Double.isFinite(v) ? Optional.empty() : Optional.of(v);
  }
}
