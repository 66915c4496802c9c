package dev.finetune.trainer.telemetry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** A minimal parser of the Prometheus text exposition format 0.0.4, for assertions. */
final class Exposition {

  /** One sample line: {@code name{labels} value}. */
  record Sample(String name, Map<String, String> labels, double value) {
    String label(String key) {
      return labels.get(key);
    }
  }

  final List<Sample> samples;

  /** {@code # TYPE} lines: metric family name to type. */
  final Map<String, String> types;

  private Exposition(List<Sample> samples, Map<String, String> types) {
    this.samples = Collections.unmodifiableList(samples);
    this.types = Collections.unmodifiableMap(types);
  }

  static Exposition parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).trim().split(" ");
        types.put(parts[0], parts[1]);
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      samples.add(parseSample(line));
    }
    return new Exposition(samples, types);
  }

  private static Sample parseSample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq).trim();
        if (line.charAt(eq + 1) != '"') {
          throw new IllegalArgumentException("unquoted label value: " + line);
        }
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        for (; line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\') {
            char n = line.charAt(++j);
            value.append(n == 'n' ? '\n' : n);
          } else {
            value.append(c);
          }
        }
        if (labels.put(key, value.toString()) != null) {
          throw new IllegalArgumentException("duplicate label " + key + ": " + line);
        }
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    String[] rest = line.substring(i).trim().split(" ");
    return new Sample(name, labels, parseValue(rest[0]));
  }

  static double parseValue(String v) {
    switch (v) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        return Double.parseDouble(v);
    }
  }

  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).collect(Collectors.toList());
  }

  /** The single sample of {@code name} whose labels include {@code labels} (k, v, k, v...). */
  Optional<Sample> find(String name, String... labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(
            s -> {
              for (int k = 0; k < labels.length; k += 2) {
                if (!labels[k + 1].equals(s.label(labels[k]))) {
                  return false;
                }
              }
              return true;
            })
        .findFirst();
  }

  double value(String name, String... labels) {
    return find(name, labels)
        .orElseThrow(() -> new AssertionError("no sample " + name + " " + String.join(",", labels)))
        .value();
  }
}
