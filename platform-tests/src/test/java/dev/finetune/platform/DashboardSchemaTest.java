package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Dashboards against Grafana's own schema: each JSON file becomes a TypeScript object literal typed
 * as {@code Dashboard} from the npm package @grafana/schema, and tsc (strict) must accept it, so a
 * wrong type or an unknown top-level/panel field fails. Plus the conventions tsc cannot see.
 */
class DashboardSchemaTest {
  static final java.util.regex.Pattern HARD_CODED_NAMESPACE =
      java.util.regex.Pattern.compile("namespace\\s*=~?\\s*\"[^$\"]");

  @Test
  void dashboardsTypeCheckAgainstGrafanaSchema() throws IOException {
    Path dir = SchemaCheck.workDir("schema-dashboards");
    List<String> files = new ArrayList<>();
    for (Path json : Dashboards.files()) {
      String ts = json.getFileName().toString().replace(".json", ".ts");
      Files.writeString(
          dir.resolve(ts),
          "import type { Dashboard } from \"@grafana/schema\";\n"
              + "export const dashboard: Dashboard = "
              + Files.readString(json)
              + ";\n");
      files.add(ts);
    }
    assertEquals(3, files.size());
    String header = "import type { Dashboard } from \"@grafana/schema\";\n";
    Files.writeString(
        dir.resolve("negative-field.ts"),
        header
            + "export const dashboard: Dashboard = {\"title\": \"x\", \"schemaVersion\": 39, \"panelz\": []};\n");
    Files.writeString(
        dir.resolve("negative-type.ts"),
        header
            + "export const dashboard: Dashboard = {\"title\": \"x\", \"schemaVersion\": 39, \"refresh\": 30};\n");
    Tools.Result negative = SchemaCheck.tsc(dir, List.of("negative-field.ts", "negative-type.ts"));
    assertNotEquals(0, negative.exitCode(), "tsc must reject a misspelled field and a wrong type");
    assertTrue(negative.output().contains("panelz"), negative.output());
    assertTrue(negative.output().contains("negative-type.ts"), negative.output());

    SchemaCheck.tsc(dir, files).assertOk("tsc: grafana/*.json as @grafana/schema Dashboard");
  }

  @Test
  void dashboardsFollowGrafanaConventions() {
    Set<String> uids = new HashSet<>();
    for (Path file : Dashboards.files()) {
      Map<String, Object> dashboard = Dashboards.read(file);
      String name = file.getFileName().toString();
      assertTrue(uids.add((String) dashboard.get("uid")), name + ": unique uid");
      assertTrue(((List<?>) dashboard.get("tags")).contains("finetune"), name);
      List<String> variables =
          Manifests.list(dashboard, "templating", "list").stream()
              .map(v -> (String) KustomizeRenderTest.asMap(v).get("name"))
              .toList();
      assertEquals("datasource", variables.get(0), name + ": the datasource variable comes first");
      if (!name.equals("finetune-operator.json")) {
        assertTrue(variables.containsAll(List.of("namespace", "job")), name + ": " + variables);
      } else {
        assertTrue(
            variables.contains("namespace"),
            name
                + ": the operator's namespace is a "
                + "variable (two releases, any namespace): "
                + variables);
      }
      Set<Integer> ids = new HashSet<>();
      for (Map<String, Object> panel : Dashboards.panels(dashboard)) {
        String title = name + " / " + panel.get("title");
        assertTrue(ids.add((Integer) panel.get("id")), title + ": unique panel id");
        Map<String, Object> grid = Manifests.map(panel, "gridPos");
        assertTrue(
            (Integer) grid.get("x") + (Integer) grid.get("w") <= 24, title + " fits 24 columns");
        if ("row".equals(panel.get("type"))) {
          continue;
        }
        assertEquals("${datasource}", Manifests.map(panel, "datasource").get("uid"), title);
        assertNotNull(panel.get("description"), title + ": describe the metric");
        assertFalse(Manifests.list(panel, "targets").isEmpty(), title);
        for (Object t : Manifests.list(panel, "targets")) {
          Map<String, Object> target = KustomizeRenderTest.asMap(t);
          assertEquals("${datasource}", Manifests.map(target, "datasource").get("uid"), title);
          assertFalse(((String) target.get("expr")).isBlank(), title);
          assertFalse(
              HARD_CODED_NAMESPACE.matcher((String) target.get("expr")).find(),
              title
                  + ": a namespace comes from a variable, never a literal: "
                  + target.get("expr"));
        }
      }
    }
  }
}
