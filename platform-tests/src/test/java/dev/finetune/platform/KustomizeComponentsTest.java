package dev.finetune.platform;

import static dev.finetune.platform.Manifests.find;
import static dev.finetune.platform.Manifests.kind;
import static dev.finetune.platform.Manifests.list;
import static dev.finetune.platform.Manifests.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every combination of deploy/components (monitoring, webhook, kueue, namespace-scoped; 16 with
 * none) on top of deploy/base renders with kubectl kustomize, and every object of every combination
 * passes the schema checks of {@link ManifestSchemaTest} and, for pod templates, the Pod Security
 * "restricted" checks. Each component does what it says in every combination.
 */
class KustomizeComponentsTest {
  static final List<String> COMPONENTS =
      List.of("monitoring", "webhook", "kueue", "namespace-scoped");

  /** The rendered objects of base plus {@code components}, from a generated overlay. */
  static List<Map<String, Object>> renderWith(List<String> components) {
    String name = components.isEmpty() ? "none" : String.join("+", components);
    Path root = Manifests.renderRoot();
    Path dir = root.resolve("platform-tests/target/kustomize-combos/" + name);
    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("kustomization.yaml"),
          """
          apiVersion: kustomize.config.k8s.io/v1beta1
          kind: Kustomization
          resources: [../../../../deploy/base]
          components: %s
          """
              .formatted(
                  components.stream()
                      .map(c -> "../../../../deploy/components/" + c)
                      .collect(Collectors.joining(", ", "[", "]"))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Manifests.render(root.relativize(dir).toString());
  }

  static List<List<String>> combinations() {
    List<List<String>> out = new ArrayList<>();
    for (int mask = 0; mask < 1 << COMPONENTS.size(); mask++) {
      List<String> combo = new ArrayList<>();
      for (int i = 0; i < COMPONENTS.size(); i++) {
        if ((mask & 1 << i) != 0) {
          combo.add(COMPONENTS.get(i));
        }
      }
      out.add(combo);
    }
    return out;
  }

  @Test
  void everyCombinationRendersAndEachComponentKeepsItsPromise() {
    Map<String, Map<String, Object>> unique = new LinkedHashMap<>();
    List<List<String>> combos = combinations();
    assertEquals(16, combos.size());
    for (List<String> combo : combos) {
      List<Map<String, Object>> objects = renderWith(combo);
      String what = "base + " + combo;
      assertEquals(
          1,
          objects.stream()
              .filter(
                  o ->
                      kind(o).equals("Deployment") && Manifests.name(o).equals("finetune-operator"))
              .count(),
          what);
      Map<String, Object> container = container(objects);
      Map<String, String> env = env(container);
      assertEquals(
          "localhost/finetune-trainer:0.1.0-cpu",
          env.get("FINETUNE_OPERATOR_TRAINER_IMAGE"),
          what + " keeps base's env");

      assertEquals(
          combo.contains("monitoring"),
          find(objects, "PodMonitor", "finetune-trainer").isPresent(),
          what);
      assertEquals(
          combo.contains("kueue"), find(objects, "ClusterQueue", "finetune").isPresent(), what);
      boolean webhook = combo.contains("webhook");
      assertEquals(
          webhook,
          find(objects, "ValidatingWebhookConfiguration", "finetune-operator").isPresent(),
          what);
      assertEquals(webhook, "8443".equals(env.get("QUARKUS_HTTP_SSL_PORT")), what);
      boolean scoped = combo.contains("namespace-scoped");
      assertEquals(scoped, find(objects, "ClusterRole", "finetune-operator").isEmpty(), what);
      assertEquals(
          scoped, find(objects, "ClusterRoleBinding", "finetune-operator").isEmpty(), what);
      assertEquals(
          scoped,
          "JOSDK_WATCH_CURRENT"
              .equals(env.get("QUARKUS_OPERATOR_SDK_CONTROLLERS_FINETUNEJOB_NAMESPACES")),
          what);
      assertEquals(
          scoped,
          "JOSDK_WATCH_CURRENT"
              .equals(env.get("QUARKUS_OPERATOR_SDK_CONTROLLERS_FINETUNESWEEP_NAMESPACES")),
          what);
      if (scoped) {
        Map<String, Object> role = find(objects, "Role", "finetune-operator").orElseThrow();
        assertEquals("finetune-system", map(role, "metadata").get("namespace"));
        assertEquals(
            list(
                find(Manifests.render("deploy/base"), "ClusterRole", "finetune-operator")
                    .orElseThrow(),
                "rules"),
            list(role, "rules"),
            "the namespaced Role grants exactly the ClusterRole's rules");
      }
      for (Map<String, Object> o : objects) {
        unique.putIfAbsent(Manifests.JSON.valueToTree(o).toString(), o);
      }
    }
    PodSecurity.assertRestricted(new ArrayList<>(unique.values()));
    ManifestSchemaTest.assertValid("schema-components", new ArrayList<>(unique.values()));
  }

  /**
   * network-policy (not in the combinations above: it touches nothing else) admits exactly the
   * operator's pods to trainer pods on the metrics port the operator scrapes.
   */
  @Test
  void networkPolicyAdmitsTheOperatorToTrainerMetrics() {
    List<Map<String, Object>> objects = renderWith(List.of("network-policy"));
    Map<String, Object> policy =
        find(objects, "NetworkPolicy", "finetune-trainer-metrics").orElseThrow();
    assertEquals("finetune-system", map(policy, "metadata").get("namespace"));
    Map<String, Object> rule = KustomizeRenderTest.asMap(list(policy, "spec", "ingress").get(0));
    Map<String, Object> from = KustomizeRenderTest.asMap(list(rule, "from").get(0));
    Map<String, Object> deployment = find(objects, "Deployment", "finetune-operator").orElseThrow();
    Map<String, Object> podLabels = map(deployment, "spec", "template", "metadata", "labels");
    map(from, "podSelector", "matchLabels")
        .forEach(
            (k, v) ->
                assertEquals(
                    v, podLabels.get(k), "the policy selects the operator's pods by " + k));
    assertEquals(
        "finetune-system",
        map(from, "namespaceSelector", "matchLabels").get("kubernetes.io/metadata.name"));
    Map<String, Object> port = KustomizeRenderTest.asMap(list(rule, "ports").get(0));
    assertEquals(9400, port.get("port"), "the trainer's --metrics-port and the operator's default");
    assertEquals(
        "finetune.dev/job",
        KustomizeRenderTest.asMap(list(policy, "spec", "podSelector", "matchExpressions").get(0))
            .get("key"));
    ManifestSchemaTest.assertValid("schema-network-policy", objects);
  }

  @Test
  void productionOverlayCombinesMonitoringWebhookAndKueueWithTwoReplicas() {
    List<Map<String, Object>> objects = Manifests.render("deploy/overlays/production");
    Map<String, Object> deployment = find(objects, "Deployment", "finetune-operator").orElseThrow();
    assertEquals(2, map(deployment, "spec").get("replicas"));
    for (String[] kn :
        new String[][] {
          {"PodMonitor", "finetune-trainer"},
          {"ValidatingWebhookConfiguration", "finetune-operator"},
          {"ClusterQueue", "finetune"}
        }) {
      assertTrue(find(objects, kn[0], kn[1]).isPresent(), "production lacks " + kn[0]);
    }
    Map<String, String> env = env(container(objects));
    assertTrue(env.containsKey("FINETUNE_OPERATOR_LEADER_ELECTION_IDENTITY"));
    assertFalse(env.containsKey("QUARKUS_OPERATOR_SDK_CONTROLLERS_FINETUNEJOB_NAMESPACES"));
  }

  static Map<String, Object> container(List<Map<String, Object>> objects) {
    Map<String, Object> deployment = find(objects, "Deployment", "finetune-operator").orElseThrow();
    return KustomizeRenderTest.asMap(
        list(deployment, "spec", "template", "spec", "containers").get(0));
  }

  /** name -> value of a container's plain env entries, name -> "fieldRef:<path>" for the rest. */
  static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Object o : list(container, "env")) {
      Map<String, Object> e = KustomizeRenderTest.asMap(o);
      Object value = e.get("value");
      out.put(
          (String) e.get("name"),
          value != null
              ? String.valueOf(value)
              : "fieldRef:" + map(e, "valueFrom", "fieldRef").get("fieldPath"));
    }
    return out;
  }
}
