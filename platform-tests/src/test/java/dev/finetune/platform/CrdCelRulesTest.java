package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CRD's {@code x-kubernetes-validations} (CEL) rules, evaluated with cel-java (dev.cel:cel,
 * Google's CEL implementation; the API server uses cel-go). The fabric8 mock API server and ajv
 * ignore these rules, so this is the only place they run before a real cluster.
 *
 * <p>{@code self} and {@code oldSelf} are declared {@code dyn}: objects are passed as the maps and
 * lists the YAML parses to (integers as long, decimals as double), which is how CEL sees schemaless
 * JSON; field selection, {@code has()} and {@code ==} on them behave as in Kubernetes. Kubernetes'
 * extension functions (quantity(), url(), isSorted(), ...) are not in cel-java: a rule using one
 * fails to compile here, and this test says which.
 */
class CrdCelRulesTest {
  /** One rule and where it sits: property names from the root, "[]" for list items. */
  record Rule(List<String> path, String rule, String message, CelRuntime.Program program) {
    boolean transition() {
      return rule.contains("oldSelf");
    }

    String where() {
      return path.isEmpty() ? "<root>" : String.join(".", path);
    }
  }

  /** has(), all(), exists(), map(), filter() are macros, as in Kubernetes. */
  static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .build();

  static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  static List<Rule> rules;

  @BeforeAll
  static void compileEveryRule() {
    Map<String, Object> crd = Manifests.crd();
    Map<String, Object> version =
        KustomizeRenderTest.asMap(Manifests.list(crd, "spec", "versions").get(0));
    List<Rule> found = new ArrayList<>();
    collect(Manifests.map(version, "schema", "openAPIV3Schema"), new ArrayList<>(), found);
    rules = found;
  }

  @SuppressWarnings("unchecked")
  static void collect(Map<String, Object> schema, List<String> path, List<Rule> out) {
    for (Object v : Manifests.list(schema, "x-kubernetes-validations")) {
      Map<String, Object> validation = (Map<String, Object>) v;
      String rule = (String) validation.get("rule");
      CelAbstractSyntaxTree ast;
      try {
        ast = COMPILER.compile(rule).getAst();
      } catch (CelValidationException e) {
        throw new AssertionError(
            "CEL rule at "
                + String.join(".", path)
                + " does not compile"
                + " with cel-java (a Kubernetes-only function?): "
                + e.getMessage());
      }
      try {
        out.add(
            new Rule(
                List.copyOf(path),
                rule,
                (String) validation.get("message"),
                RUNTIME.createProgram(ast)));
      } catch (CelEvaluationException e) {
        throw new AssertionError(e);
      }
    }
    Manifests.map(schema, "properties")
        .forEach(
            (name, child) -> {
              List<String> p = new ArrayList<>(path);
              p.add(name);
              collect((Map<String, Object>) child, p, out);
            });
    Map<String, Object> items = Manifests.map(schema, "items");
    if (!items.isEmpty()) {
      List<String> p = new ArrayList<>(path);
      p.add("[]");
      collect(items, p, out);
    }
  }

  /** Every value at the rule's path in the object (none if absent: Kubernetes skips those). */
  static List<Object> at(Object node, List<String> path) {
    if (path.isEmpty()) {
      return node == null ? List.of() : List.of(node);
    }
    List<String> rest = path.subList(1, path.size());
    if ("[]".equals(path.get(0))) {
      return node instanceof List<?> l
          ? l.stream().flatMap(i -> at(i, rest).stream()).toList()
          : List.of();
    }
    return node instanceof Map<?, ?> m ? at(m.get(path.get(0)), rest) : List.of();
  }

  /** YAML values as CEL sees JSON: int64 and double, immutable maps and lists. */
  static Object cel(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), cel(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(CrdCelRulesTest::cel).toList();
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float || v instanceof java.math.BigDecimal) {
      return ((Number) v).doubleValue();
    }
    return v;
  }

  static boolean eval(Rule rule, Object self, Object oldSelf) {
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("self", cel(self));
    if (rule.transition()) {
      vars.put("oldSelf", cel(oldSelf));
    }
    try {
      return (Boolean) rule.program().eval(vars);
    } catch (CelEvaluationException e) {
      throw new AssertionError("rule at " + rule.where() + ": " + e.getMessage(), e);
    }
  }

  static List<Map<String, Object>> exampleJobs() throws IOException {
    Path examples = Tools.root().resolve("deploy/examples");
    try (Stream<Path> files = Files.walk(examples)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .sorted()
          .flatMap(p -> Manifests.readYaml(p).stream())
          .filter(d -> "FineTuneJob".equals(d.get("kind")))
          .toList();
    }
  }

  static Rule specRule() {
    return rules.stream().filter(r -> r.path().equals(List.of("spec"))).findFirst().orElseThrow();
  }

  @Test
  void everyRuleCompiles() {
    assertFalse(rules.isEmpty(), "the CRD has CEL rules; none were found");
    assertTrue(
        rules.stream().anyMatch(r -> r.path().equals(List.of("spec")) && r.transition()),
        "the spec immutability rule is among them");
  }

  /**
   * Creating an example: self only; transition rules see oldSelf == self, as on an unchanged
   * update.
   */
  @Test
  void everyExampleSatisfiesEveryRule() throws IOException {
    List<Map<String, Object>> jobs = exampleJobs();
    assertTrue(jobs.size() >= 7, "examples found: " + jobs.size());
    List<String> failures = new ArrayList<>();
    int evaluated = 0;
    for (Map<String, Object> job : jobs) {
      for (Rule rule : rules) {
        for (Object self : at(job, rule.path())) {
          evaluated++;
          if (!eval(rule, self, self)) {
            failures.add(Manifests.name(job) + " at " + rule.where() + ": " + rule.message());
          }
        }
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(evaluated >= jobs.size(), "every example is checked by the spec rule");
  }

  /** dataset.validation is exactly one of fraction or uri. */
  @Test
  void validationIsAFractionOrAUri() {
    Rule rule =
        rules.stream()
            .filter(r -> r.path().equals(List.of("spec", "dataset", "validation")))
            .findFirst()
            .orElseThrow();
    assertEquals("set exactly one of fraction or uri", rule.message());
    assertTrue(eval(rule, Map.of("fraction", 0.2), Map.of("fraction", 0.2)));
    assertTrue(eval(rule, Map.of("uri", "s3://d/v"), Map.of("uri", "s3://d/v")));
    Map<String, Object> both = Map.of("fraction", 0.2, "uri", "s3://d/v");
    assertFalse(eval(rule, both, both));
    assertFalse(eval(rule, Map.of(), Map.of()));
  }

  @Test
  @SuppressWarnings("unchecked")
  void specIsImmutableExceptSuspend() {
    Map<String, Object> job =
        Manifests.readYaml(Tools.root().resolve("deploy/examples/hotdog-job.yaml")).get(0);
    Map<String, Object> old = (Map<String, Object>) job.get("spec");
    Rule rule = specRule();

    Map<String, Object> suspended = copy(old);
    suspended.put("suspend", !Boolean.TRUE.equals(old.get("suspend")));
    assertTrue(eval(rule, suspended, old), "flipping suspend is allowed");
    assertTrue(eval(rule, old, old), "an unchanged spec is allowed");

    Map<String, Object> moreEpochs = copy(old);
    Map<String, Object> training = (Map<String, Object>) moreEpochs.get("training");
    training.put("epochs", ((Number) training.get("epochs")).longValue() + 1);
    assertFalse(eval(rule, moreEpochs, old), "changing training.epochs is rejected");

    Map<String, Object> queued = copy(old);
    queued.put("queueName", "finetune");
    assertFalse(eval(rule, queued, old), "adding spec.queueName is rejected");

    Map<String, Object> noCheckpoints = copy(old);
    noCheckpoints.remove("checkpoints");
    assertFalse(eval(rule, noCheckpoints, old), "removing spec.checkpoints is rejected");
    assertEquals(
        "spec is immutable except spec.suspend: create a new FineTuneJob to change it",
        rule.message());
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> copy(Map<String, Object> m) {
    return (Map<String, Object>) deepCopy(m);
  }

  private static Object deepCopy(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), deepCopy(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l.stream().map(CrdCelRulesTest::deepCopy).toList());
    }
    return v;
  }
}
