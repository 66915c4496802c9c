package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every object that base and the overlays render is valid against the Kubernetes OpenAPI schemas
 * (kubernetes-models), the Prometheus Operator's and cert-manager's CRD schemas
 * (@kubernetes-models/prometheus-operator, @kubernetes-models/cert-manager) and the FineTuneJob
 * CRD, and type-checks (tsc) against the matching interface, which rejects unknown fields.
 */
class ManifestSchemaTest {
  /**
   * No schema package on the npm registry; checked by KustomizeRenderTest's asserts here, and
   * against Kueue v0.17.0's own CRDs by the real API server in the operator's ClusterKueueIT.
   */
  static final Set<String> NO_SCHEMA =
      Set.of(
          "kueue.x-k8s.io/v1beta2/ResourceFlavor",
          "kueue.x-k8s.io/v1beta2/ClusterQueue",
          "kueue.x-k8s.io/v1beta2/LocalQueue");

  @Test
  void renderedObjectsMatchTheirSchemas() {
    Map<String, Map<String, Object>> unique = new LinkedHashMap<>();
    for (String target : Manifests.TARGETS) {
      for (Map<String, Object> o : Manifests.render(target)) {
        unique.putIfAbsent(
            o.get("apiVersion")
                + "/"
                + o.get("kind")
                + "/"
                + Manifests.map(o, "metadata").get("namespace")
                + "/"
                + Manifests.name(o),
            o);
      }
    }
    SchemaCheck.Outcome outcome = assertValid("schema-manifests", new ArrayList<>(unique.values()));
    assertTrue(
        PodSecurity.assertRestricted(new ArrayList<>(unique.values())) >= 2,
        "the operator's and MinIO's pods are checked");
    assertTrue(
        outcome.entries().stream()
            .anyMatch(e -> "Deployment".equals(e.kind()) && "valid".equals(e.status())));
    assertTrue(
        outcome.entries().stream()
            .anyMatch(e -> "PodMonitor".equals(e.kind()) && "valid".equals(e.status())),
        "Prometheus Operator kinds are validated too");
    for (String kind : List.of("Certificate", "Issuer", "ValidatingWebhookConfiguration")) {
      assertTrue(
          outcome.entries().stream()
              .anyMatch(e -> kind.equals(e.kind()) && "valid".equals(e.status())),
          kind + " is validated against a schema");
    }
  }

  /**
   * Every object is valid against its schema (the FineTuneJob CRD's too), only the kinds of {@link
   * #NO_SCHEMA} go unchecked, and tsc accepts the typed copy (no unknown fields).
   */
  static SchemaCheck.Outcome assertValid(String name, List<Map<String, Object>> objects) {
    List<Map<String, Object>> crds = Manifests.crdExists() ? List.of(Manifests.crd()) : List.of();
    SchemaCheck.Outcome outcome = SchemaCheck.validate(name, objects, crds);
    List<String> invalid =
        outcome.entries().stream()
            .filter(e -> e.status().equals("invalid"))
            .map(e -> e.kind() + "/" + e.name() + ": " + e.error())
            .toList();
    assertEquals(List.of(), invalid, name);
    Set<String> unchecked =
        outcome.entries().stream()
            .filter(e -> e.status().equals("noschema"))
            .map(e -> e.apiVersion() + "/" + e.kind())
            .collect(Collectors.toSet());
    assertTrue(NO_SCHEMA.containsAll(unchecked), name + ": objects without a schema: " + unchecked);
    outcome.tsc().assertOk("tsc over the typed manifests of " + name);
    return outcome;
  }

  /** The checks bite: a wrong type fails the schema, a misspelled field fails tsc. */
  @Test
  void brokenObjectsAreRejected() {
    Map<String, Object> container =
        new LinkedHashMap<>(
            Map.of(
                "name",
                "c",
                "image",
                "i",
                "readinesProbe",
                Map.of(),
                "ports",
                List.of(Map.of("containerPort", "eighty"))));
    Map<String, Object> deployment =
        Map.of(
            "apiVersion",
            "apps/v1",
            "kind",
            "Deployment",
            "metadata",
            Map.of("name", "broken"),
            "spec",
            Map.of(
                "selector",
                Map.of("matchLabels", Map.of("a", "b")),
                "template",
                Map.of("spec", Map.of("containers", List.of(container)))));
    SchemaCheck.Outcome outcome =
        SchemaCheck.validate("schema-negative", List.of(deployment), List.of());
    assertEquals("invalid", outcome.entries().get(0).status());
    assertTrue(outcome.entries().get(0).error().contains("containerPort"));

    container.put("ports", List.of(Map.of("containerPort", 80)));
    SchemaCheck.Outcome typed =
        SchemaCheck.validate("schema-negative", List.of(deployment), List.of());
    assertEquals("valid", typed.entries().get(0).status(), "the JSON schema allows unknown fields");
    assertNotEquals(0, typed.tsc().exitCode());
    assertTrue(typed.tsc().output().contains("readinesProbe"), typed.tsc().output());
  }
}
