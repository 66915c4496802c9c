package dev.finetune.contract.sweep;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** One trial's values: field path to canonical value text, in the sweep's parameter order. */
public record Assignment(Map<String, String> values) {
  public Assignment {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** "training.learningRate=0.001, training.freeze=conv1,bn1", for messages and tables. */
  public String text() {
    return values.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
