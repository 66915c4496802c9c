package dev.finetune.platform;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The dashboards under grafana/ and every PromQL expression in them. */
final class Dashboards {
  record Query(String dashboard, String panel, String expr) {}

  private Dashboards() {}

  static List<Path> files() {
    try (Stream<Path> files = Files.list(Tools.root().resolve("grafana"))) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, Object> read(Path file) {
    try {
      return Manifests.JSON.readValue(
          file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Panels, including those nested in collapsed rows. */
  static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object p : Manifests.list(dashboard, "panels")) {
      Map<String, Object> panel = KustomizeRenderTest.asMap(p);
      out.add(panel);
      for (Object nested : Manifests.list(panel, "panels")) {
        out.add(KustomizeRenderTest.asMap(nested));
      }
    }
    return out;
  }

  /** Panel target expressions and the metric selectors of query variables (label_values). */
  static List<Query> queries() {
    List<Query> out = new ArrayList<>();
    for (Path file : files()) {
      Map<String, Object> dashboard = read(file);
      String name = file.getFileName().toString();
      for (Map<String, Object> panel : panels(dashboard)) {
        for (Object t : Manifests.list(panel, "targets")) {
          out.add(
              new Query(
                  name,
                  (String) panel.get("title"),
                  (String) KustomizeRenderTest.asMap(t).get("expr")));
        }
      }
      for (Object v : Manifests.list(dashboard, "templating", "list")) {
        Map<String, Object> variable = KustomizeRenderTest.asMap(v);
        if ("query".equals(variable.get("type"))) {
          String definition = (String) Manifests.map(variable, "query").get("query");
          java.util.regex.Matcher m =
              java.util.regex.Pattern.compile("^label_values\\((.*),\\s*\\w+\\)$")
                  .matcher(definition);
          if (m.matches()) {
            out.add(new Query(name, "variable " + variable.get("name"), m.group(1)));
          }
        }
      }
    }
    return out;
  }

  /**
   * Grafana's template variables as a test substitutes them: the trainer run's namespace and job,
   * and fixed durations for the interval variables.
   */
  static String substitute(String expr, String namespace, String job) {
    return expr.replace("$__rate_interval", "20s")
        .replace("$__interval", "5s")
        .replace("$__range", "5m")
        .replace("$namespace", namespace)
        .replace("$job", job)
        .replace("$controller", ".*");
  }
}
