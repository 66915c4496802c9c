package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.platform.CrdCelRulesTest.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The FineTuneSweep CRD's CEL rules, evaluated by cel-java as {@link CrdCelRulesTest} does for the
 * FineTuneJob's: the example satisfies them, a search space must be exactly one kind, and the spec
 * is immutable except suspend. (ClusterGitOpsIT shows a real API server accepts their cost.)
 */
class SweepCelRulesTest {
  static List<Rule> rules;
  static Map<String, Object> example;

  @BeforeAll
  static void compile() {
    Map<String, Object> crd =
        Manifests.readYaml(Tools.root().resolve(Manifests.SWEEP_CRD_FILE)).get(0);
    Map<String, Object> version =
        KustomizeRenderTest.asMap(Manifests.list(crd, "spec", "versions").get(0));
    List<Rule> found = new ArrayList<>();
    CrdCelRulesTest.collect(
        Manifests.map(version, "schema", "openAPIV3Schema"), new ArrayList<>(), found);
    rules = found;
    example = Manifests.readYaml(Tools.root().resolve("deploy/examples/hotdog-sweep.yaml")).get(0);
  }

  static Rule rule(List<String> path) {
    return rules.stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow();
  }

  static final List<String> SPACE = List.of("spec", "parameters", "[]", "searchSpace");

  /** The spec's, each search space's, and the template's dataset.validation (fraction or uri). */
  @Test
  void theRulesAreTheSpecsAndTheSearchSpaces() {
    assertEquals(
        List.of("spec", String.join(".", SPACE), "spec.template.dataset.validation"),
        rules.stream().map(Rule::where).sorted().toList());
  }

  @Test
  void theExampleSatisfiesEveryRule() {
    for (Rule r : rules) {
      for (Object self : CrdCelRulesTest.at(example, r.path())) {
        assertTrue(CrdCelRulesTest.eval(r, self, self), r.where() + ": " + r.message());
      }
    }
  }

  @Test
  void aSearchSpaceIsExactlyOneKind() {
    Rule r = rule(SPACE);
    Map<String, Object> range = Map.of("min", 1.0, "max", 2.0, "gridPoints", 2L);
    assertTrue(CrdCelRulesTest.eval(r, Map.of("uniform", range), null));
    assertTrue(
        CrdCelRulesTest.eval(r, Map.of("categorical", Map.of("choices", List.of("a"))), null));
    assertFalse(CrdCelRulesTest.eval(r, Map.of(), null), "none");
    assertFalse(
        CrdCelRulesTest.eval(r, Map.of("uniform", range, "logUniform", range), null), "two");
    assertEquals("set exactly one of uniform, logUniform, integer or categorical", r.message());
  }

  @Test
  @SuppressWarnings("unchecked")
  void theSpecIsImmutableExceptSuspend() {
    Rule r = rule(List.of("spec"));
    Map<String, Object> spec = (Map<String, Object>) example.get("spec");
    Map<String, Object> changed = new LinkedHashMap<>(CrdCelRulesTest.copy(spec));
    changed.put("parallelTrials", 3L);
    assertTrue(CrdCelRulesTest.eval(r, spec, CrdCelRulesTest.copy(spec)));
    assertFalse(CrdCelRulesTest.eval(r, changed, spec));
    Map<String, Object> dropped = new LinkedHashMap<>(CrdCelRulesTest.copy(spec));
    dropped.remove("objective");
    assertFalse(CrdCelRulesTest.eval(r, dropped, spec), "a field removed");
    Map<String, Object> suspended = new LinkedHashMap<>(CrdCelRulesTest.copy(spec));
    suspended.put("suspend", true);
    assertTrue(CrdCelRulesTest.eval(r, suspended, spec), "suspend set");
    assertTrue(CrdCelRulesTest.eval(r, spec, suspended), "suspend unset");
    assertTrue(
        r.message().startsWith("spec is immutable except spec.suspend: create a new FineTuneSweep"),
        r.message());
  }
}
