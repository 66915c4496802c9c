package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * grafana/alerts.yaml passes promtool check rules, its unit tests (grafana/alerts_test.yaml) pass
 * promtool test rules and make every alert both fire and resolve, and the PrometheusRule in the
 * monitoring overlay carries exactly the same groups.
 */
class AlertRulesTest {
  static final String RULES = "grafana/alerts.yaml";
  static final String RULE_TESTS = "grafana/alerts_test.yaml";

  @Test
  void promtoolChecksTheRules() {
    Path promtool = Tools.require("promtool", "run bin/setup (Debian package prometheus)");
    Tools.Result result = Tools.run(Tools.root(), 60, promtool.toString(), "check", "rules", RULES);
    result.assertOk("promtool check rules");
    assertTrue(
        result.output().contains("SUCCESS: " + alertNames().size() + " rules found"),
        result.output());
  }

  @Test
  void promtoolUnitTestsPass() {
    Path promtool = Tools.require("promtool", "run bin/setup (Debian package prometheus)");
    Tools.Result result =
        Tools.run(
            Tools.root().resolve("grafana"),
            120,
            promtool.toString(),
            "test",
            "rules",
            "alerts_test.yaml");
    result.assertOk("promtool test rules");
  }

  @Test
  void everyAlertFiresAndResolvesInTheUnitTests() {
    Set<String> fired = new TreeSet<>();
    Set<String> quietAfterFiring = new TreeSet<>();
    Map<String, Object> tests = Manifests.readYaml(Tools.root().resolve(RULE_TESTS)).get(0);
    for (Object t : Manifests.list(tests, "tests")) {
      Map<String, Object> test = KustomizeRenderTest.asMap(t);
      boolean firing = false;
      for (Object c : Manifests.list(test, "alert_rule_test")) {
        Map<String, Object> check = KustomizeRenderTest.asMap(c);
        String alert = (String) check.get("alertname");
        if (!Manifests.list(check, "exp_alerts").isEmpty()) {
          fired.add(alert);
          firing = true;
        } else if (firing) {
          quietAfterFiring.add(alert);
        }
      }
    }
    assertEquals(alertNames(), fired, "every alert has a case where it fires");
    assertEquals(alertNames(), quietAfterFiring, "every alert has a later case where it resolved");
  }

  @Test
  void prometheusRuleMatchesTheRuleFile() {
    List<Object> groups =
        Manifests.list(Manifests.readYaml(Tools.root().resolve(RULES)).get(0), "groups");
    Map<String, Object> rule =
        Manifests.readYaml(Tools.root().resolve("deploy/components/monitoring/prometheusrule.yaml"))
            .get(0);
    assertEquals("PrometheusRule", rule.get("kind"));
    assertEquals(
        groups,
        Manifests.list(rule, "spec", "groups"),
        "deploy/components/monitoring/prometheusrule.yaml must carry grafana/alerts.yaml's groups");
    assertFalse(groups.isEmpty());
  }

  static Set<String> alertNames() {
    Set<String> names = new TreeSet<>();
    for (Object g :
        Manifests.list(Manifests.readYaml(Tools.root().resolve(RULES)).get(0), "groups")) {
      for (Object r : Manifests.list(g, "rules")) {
        Object alert = KustomizeRenderTest.asMap(r).get("alert");
        if (alert != null) {
          names.add((String) alert);
        }
      }
    }
    assertEquals(
        Set.of(
            "FineTuneJobFailed",
            "FineTuneJobStalled",
            "FineTuneCheckpointOverdue",
            "FineTuneStorageUnreachable",
            "FineTuneOperatorDown",
            "FineTuneReconcileErrors",
            "FineTuneScrapeFailing"),
        names);
    return names;
  }

  /** The expression of one alert. */
  static String expression(String alert) {
    return Manifests.list(Manifests.readYaml(Tools.root().resolve(RULES)).get(0), "groups").stream()
        .flatMap(g -> Manifests.list(g, "rules").stream())
        .map(KustomizeRenderTest::asMap)
        .filter(r -> alert.equals(r.get("alert")))
        .map(r -> (String) r.get("expr"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no alert " + alert));
  }

  static List<String> expressions() {
    return Manifests.list(Manifests.readYaml(Tools.root().resolve(RULES)).get(0), "groups").stream()
        .flatMap(g -> Manifests.list(g, "rules").stream())
        .map(r -> (String) KustomizeRenderTest.asMap(r).get("expr"))
        .toList();
  }
}
