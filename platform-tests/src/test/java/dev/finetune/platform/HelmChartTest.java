package dev.finetune.platform;

import static dev.finetune.platform.Manifests.find;
import static dev.finetune.platform.Manifests.kind;
import static dev.finetune.platform.Manifests.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/helm/finetune-operator with Helm's own code (helm-java bundles it): it lints, its
 * defaults render the same operator Deployment, Service, RBAC and CRD as deploy/base, its
 * optional parts the same objects as deploy/components, and everything it renders passes the
 * schema and Pod Security checks of the kustomize output.
 */
class HelmChartTest {
  static final Path CHART = Path.of("deploy/helm/finetune-operator");
  /** Labels only Helm adds; everything else must match kustomize. */
  static final Set<String> HELM_LABELS = Set.of("app.kubernetes.io/managed-by", "helm.sh/chart");

  static Path chart() {
    return Tools.root().resolve(CHART);
  }

  static List<Map<String, Object>> template(UnaryOperator<TemplateCommand> values) {
    TemplateCommand cmd = new Helm(chart()).template().withName("finetune-operator")
        .withNamespace("finetune-system");
    return Manifests.parseYaml(values.apply(cmd).call());
  }

  @Test
  void lints() {
    LintResult result = new Helm(chart()).lint().strict().call();
    assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
  }

  @Test
  void defaultsRenderWhatDeployBaseRenders() {
    List<Map<String, Object>> helm = template(c -> c);
    List<Map<String, Object>> kustomize = Manifests.render("deploy/base");
    Map<String, Map<String, Object>> helmByKey = byKey(helm);
    Map<String, Map<String, Object>> kustomizeByKey = byKey(kustomize);
    // deploy/base also creates the Namespace and the CRD (Helm: --create-namespace, crds/).
    kustomizeByKey.keySet().removeIf(k -> k.startsWith("Namespace/")
        || k.startsWith("CustomResourceDefinition/"));
    assertEquals(kustomizeByKey.keySet(), helmByKey.keySet(), "the same objects");
    for (String key : kustomizeByKey.keySet()) {
      assertSame(kustomizeByKey.get(key), withoutHelmLabels(helmByKey.get(key)), key);
    }
    assertTrue(helmByKey.containsKey("Deployment/finetune-system/finetune-operator"));
    assertTrue(helmByKey.containsKey("ClusterRole//finetune-operator"));
  }

  @Test
  void crdIsTheCommittedOneInHelmsCrdsFolder() throws Exception {
    Path crd = chart().resolve("crds/finetunejobs.finetune.dev-v1.yml");
    assertEquals(Files.readString(Tools.root().resolve(Manifests.CRD_FILE)), Files.readString(crd));
    Map<String, Object> rendered = find(Manifests.render("deploy/base"),
        "CustomResourceDefinition", "finetunejobs.finetune.dev").orElseThrow();
    Map<String, Object> fromChart = new LinkedHashMap<>(Manifests.readYaml(crd).get(0));
    assertSame(map(rendered, "spec"), map(fromChart, "spec"), "CRD spec");
  }

  @Test
  void optionalPartsRenderWhatTheComponentsRender() {
    List<Map<String, Object>> helm = template(c -> c.set("monitoring.enabled", "true")
        .set("webhook.enabled", "true").set("kueue.enabled", "true").set("replicas", "2"));
    Map<String, Map<String, Object>> helmByKey = byKey(helm);
    Map<String, Map<String, Object>> production = byKey(Manifests.render(
        "deploy/overlays/production"));
    production.keySet().removeIf(k -> k.startsWith("Namespace/")
        || k.startsWith("CustomResourceDefinition/"));
    assertEquals(production.keySet(), helmByKey.keySet(), "the same objects as production");
    for (String key : production.keySet()) {
      assertSame(production.get(key), withoutHelmLabels(helmByKey.get(key)), key);
    }
  }

  @Test
  void watchNamespacesGrantsRolesOnlyInThoseNamespaces() {
    List<Map<String, Object>> objects = template(c -> c.set("watchNamespaces[0]", "team-a").set("watchNamespaces[1]", "team-b")
        .set("tenantRoles.create", "false"));
    assertTrue(objects.stream().noneMatch(o -> kind(o).startsWith("Cluster")),
        "no cluster-wide objects: " + objects.stream().map(Manifests::kind).toList());
    Map<String, Object> clusterRole = find(Manifests.render("deploy/base"), "ClusterRole",
        "finetune-operator").orElseThrow();
    Set<String> namespaces = objects.stream().filter(o -> kind(o).equals("Role")
        && Manifests.name(o).equals("finetune-operator"))
        .peek(r -> assertEquals(Manifests.list(clusterRole, "rules"), Manifests.list(r, "rules")))
        .map(o -> (String) map(o, "metadata").get("namespace")).collect(Collectors.toSet());
    assertEquals(Set.of("team-a", "team-b"), namespaces);
    Map<String, String> env = KustomizeComponentsTest.env(KustomizeComponentsTest.container(objects));
    assertEquals("team-a,team-b", env.get("QUARKUS_OPERATOR_SDK_CONTROLLERS_FINETUNEJOB_NAMESPACES"));
  }

  @Test
  void everyValueReachesTheDeployment() {
    List<Map<String, Object>> objects = template(c -> c
        .set("images.operator", "registry.example/op:1")
        .set("images.trainer", "registry.example/trainer:1-cpu")
        .set("images.trainerGpu", "registry.example/trainer:1-gpu")
        .set("replicas", "3").set("resources.limits.memory", "1Gi")
        .set("jvmFlags", "-Xmx512m").set("trainer.allowedHosts", "huggingface.co,*.hf.co")
        .set("trainer.allowedSchemes", "https,hf").set("trainer.serviceAccount", "trainer")
        .set("leaderElection.leaseDuration", "30s"));
    Map<String, Object> deployment = find(objects, "Deployment", "finetune-operator").orElseThrow();
    assertEquals(3, map(deployment, "spec").get("replicas"));
    Map<String, Object> container = KustomizeComponentsTest.container(objects);
    assertEquals("registry.example/op:1", container.get("image"));
    assertEquals("1Gi", map(container, "resources", "limits").get("memory"));
    Map<String, String> env = KustomizeComponentsTest.env(container);
    assertEquals("registry.example/trainer:1-cpu", env.get("FINETUNE_OPERATOR_TRAINER_IMAGE"));
    assertEquals("registry.example/trainer:1-gpu", env.get("FINETUNE_OPERATOR_TRAINER_IMAGE_GPU"));
    assertEquals("-Xmx512m", env.get("JAVA_TOOL_OPTIONS"));
    assertEquals("huggingface.co,*.hf.co", env.get("FINETUNE_OPERATOR_TRAINER_ALLOWED_HOSTS"));
    assertEquals("https,hf", env.get("FINETUNE_OPERATOR_TRAINER_ALLOWED_SCHEMES"));
    assertEquals("trainer", env.get("FINETUNE_OPERATOR_TRAINER_SERVICE_ACCOUNT"));
    assertEquals("30s", env.get("FINETUNE_OPERATOR_LEADER_ELECTION_LEASE_DURATION"));
    assertEquals("fieldRef:metadata.name", env.get("FINETUNE_OPERATOR_LEADER_ELECTION_IDENTITY"));
  }

  @Test
  void everythingRenderedPassesSchemaAndPodSecurity() {
    List<Map<String, Object>> objects = new ArrayList<>(template(c -> c
        .set("monitoring.enabled", "true").set("webhook.enabled", "true")
        .set("kueue.enabled", "true")));
    objects.addAll(template(c -> c.set("watchNamespaces[0]", "team-a")));
    objects.addAll(Manifests.readYaml(chart().resolve("crds/finetunejobs.finetune.dev-v1.yml")));
    assertTrue(PodSecurity.assertRestricted(objects) >= 2);
    ManifestSchemaTest.assertValid("schema-helm", objects);
  }

  /** Equal as JSON trees, numbers compared by value (kustomize writes 1e+07 for 10000000). */
  static void assertSame(Object expected, Object actual, String what) {
    JsonNode a = unordered(Manifests.JSON.valueToTree(expected));
    JsonNode b = unordered(Manifests.JSON.valueToTree(actual));
    Comparator<JsonNode> byValue = (x, y) -> x.isNumber() && y.isNumber()
        ? Double.compare(x.doubleValue(), y.doubleValue()) : x.equals(y) ? 0 : 1;
    if (!a.equals(byValue, b)) {
      fail(what + " differs at " + firstDifference("", a, b));
    }
  }

  /**
   * A pod template's env, ports, volumeMounts and volumes sorted by name: their order means
   * nothing (no $(VAR) references), and kustomize's patches put added entries first.
   */
  static JsonNode unordered(JsonNode object) {
    JsonNode pod = object.at("/spec/template/spec");
    if (pod.isObject()) {
      sortByName((com.fasterxml.jackson.databind.node.ObjectNode) pod, "volumes");
      for (JsonNode c : pod.path("containers")) {
        for (String list : List.of("env", "ports", "volumeMounts")) {
          sortByName((com.fasterxml.jackson.databind.node.ObjectNode) c, list);
        }
      }
    }
    return object;
  }

  static void sortByName(com.fasterxml.jackson.databind.node.ObjectNode parent, String field) {
    if (parent.get(field) instanceof com.fasterxml.jackson.databind.node.ArrayNode array) {
      List<JsonNode> items = new ArrayList<>();
      array.forEach(items::add);
      items.sort(Comparator.comparing(n -> n.path("name").asText()));
      array.removeAll();
      array.addAll(items);
    }
  }

  /** The JSON path of the first difference, with both values (short). */
  static String firstDifference(String path, JsonNode a, JsonNode b) {
    if (a != null && b != null && a.isContainerNode() && a.getNodeType() == b.getNodeType()) {
      Set<String> keys = new java.util.TreeSet<>();
      if (a.isObject()) {
        a.fieldNames().forEachRemaining(keys::add);
        b.fieldNames().forEachRemaining(keys::add);
      } else {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
          keys.add(String.valueOf(i));
        }
      }
      for (String k : keys) {
        JsonNode x = a.isObject() ? a.get(k) : a.get(Integer.parseInt(k));
        JsonNode y = b.isObject() ? b.get(k) : b.get(Integer.parseInt(k));
        if (x == null || y == null || !x.equals(y)) {
          if (x != null && y != null && x.isNumber() && y.isNumber()
              && x.doubleValue() == y.doubleValue()) {
            continue;
          }
          return firstDifference(path + "/" + k, x, y);
        }
      }
    }
    String left = String.valueOf(a);
    String right = String.valueOf(b);
    return path + ": expected " + left.substring(0, Math.min(300, left.length())) + " but was "
        + right.substring(0, Math.min(300, right.length()));
  }

  static Map<String, Map<String, Object>> byKey(List<Map<String, Object>> objects) {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    for (Map<String, Object> o : objects) {
      Object ns = map(o, "metadata").get("namespace");
      out.put(kind(o) + "/" + (ns == null ? "" : ns) + "/" + Manifests.name(o), o);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> withoutHelmLabels(Map<String, Object> object) {
    Map<String, Object> copy = Manifests.JSON.convertValue(object, LinkedHashMap.class);
    Map<String, Object> labels = (Map<String, Object>) map(copy, "metadata").get("labels");
    if (labels != null) {
      labels.keySet().removeAll(HELM_LABELS);
    }
    return copy;
  }
}
