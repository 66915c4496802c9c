package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The chart README's values table is generated from values.yaml: one row per value, its description
 * from the comment lines above it. The test fails when they drift and names the command that
 * rewrites the table: {@code mvn -B -o -pl platform-tests -am verify -Dtest=HelmChartReadmeTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=none -Dfailsafe.failIfNoSpecifiedTests=false
 * -Dfinetune.helm.readme=write}.
 */
class HelmChartReadmeTest {
  static final String BEGIN =
      "<!-- values table: generated from values.yaml by HelmChartReadmeTest -->";
  static final String END = "<!-- end of values table -->";

  record Value(String key, String defaultValue, String description) {}

  @Test
  void readmeTableIsGeneratedFromValuesYaml() throws IOException {
    Path readme = HelmChartTest.chart().resolve("README.md");
    String text = Files.readString(readme);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    assertTrue(
        begin >= 0 && end > begin, readme + " must hold the markers " + BEGIN + " ... " + END);
    String expected =
        text.substring(0, begin + BEGIN.length()) + "\n" + table() + text.substring(end);
    if (!expected.equals(text) && "write".equals(System.getProperty("finetune.helm.readme"))) {
      Files.writeString(readme, expected);
      text = expected;
    }
    assertEquals(
        expected,
        text,
        "the README's values table differs from values.yaml; rewrite it with "
            + "mvn -B -o -pl platform-tests -am verify -Dtest=HelmChartReadmeTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dit.test=none "
            + "-Dfailsafe.failIfNoSpecifiedTests=false -Dfinetune.helm.readme=write");
  }

  @Test
  void everyValueHasADescribedRow() {
    List<Value> values = values();
    for (Value v : values) {
      assertFalse(v.description().isBlank(), v.key() + ": describe it with a comment above it");
    }
    // The parser against a YAML parser: every leaf of values.yaml is a row or under one.
    Set<String> rows = new TreeSet<>(values.stream().map(Value::key).toList());
    Set<String> leaves = new TreeSet<>();
    leaves(Manifests.readYaml(HelmChartTest.chart().resolve("values.yaml")).get(0), "", leaves);
    for (String leaf : leaves) {
      assertTrue(
          rows.stream().anyMatch(r -> leaf.equals(r) || leaf.startsWith(r + ".")),
          leaf + " has no row: " + rows);
    }
    assertTrue(rows.size() >= 40, rows.toString());
  }

  @SuppressWarnings("unchecked")
  static void leaves(Object node, String path, Set<String> out) {
    if (node instanceof Map<?, ?> map && !map.isEmpty()) {
      ((Map<String, Object>) map)
          .forEach((k, v) -> leaves(v, path.isEmpty() ? k : path + "." + k, out));
    } else {
      out.add(path);
    }
  }

  /** The Markdown table of {@link #values()}. */
  static String table() {
    StringBuilder out = new StringBuilder("| value | default | description |\n|---|---|---|\n");
    for (Value v : values()) {
      out.append("| `")
          .append(v.key())
          .append("` | ")
          .append(
              v.defaultValue().isEmpty() ? "" : "`" + v.defaultValue().replace("|", "\\|") + "`")
          .append(" | ")
          .append(v.description().replace("|", "\\|").replace("<", "&lt;"))
          .append(" |\n");
    }
    return out.toString();
  }

  /**
   * The values of values.yaml in file order: every key with a scalar or flow value ({@code {}},
   * {@code []}, {@code {cpu: 1}}) or a folded block ({@code >-}), its dotted path, its default as
   * written, and the comment lines directly above it (a blank line ends a comment).
   */
  static List<Value> values() {
    List<String> lines;
    try {
      lines = Files.readAllLines(HelmChartTest.chart().resolve("values.yaml"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<Value> out = new ArrayList<>();
    List<String> path = new ArrayList<>();
    List<Integer> indents = new ArrayList<>();
    List<String> comment = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String trimmed = line.strip();
      if (trimmed.isEmpty()) {
        comment.clear();
        continue;
      }
      if (trimmed.startsWith("#")) {
        comment.add(trimmed.substring(1).strip());
        continue;
      }
      int indent = line.length() - line.stripLeading().length();
      while (!indents.isEmpty() && indents.get(indents.size() - 1) >= indent) {
        indents.remove(indents.size() - 1);
        path.remove(path.size() - 1);
      }
      int colon = trimmed.indexOf(':');
      assertTrue(colon > 0, "values.yaml line " + (i + 1) + " is not `key: value`: " + line);
      String key = trimmed.substring(0, colon);
      String value = trimmed.substring(colon + 1).strip();
      String full = path.isEmpty() ? key : String.join(".", path) + "." + key;
      if (value.isEmpty()) {
        path.add(key);
        indents.add(indent);
      } else {
        if (value.equals(">-")) {
          StringBuilder folded = new StringBuilder();
          while (i + 1 < lines.size()
              && !lines.get(i + 1).isBlank()
              && lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() > indent) {
            folded.append(folded.length() == 0 ? "" : " ").append(lines.get(++i).strip());
          }
          value = folded.toString();
        }
        out.add(new Value(full, value, String.join(" ", comment)));
      }
      comment.clear();
    }
    return out;
  }
}
