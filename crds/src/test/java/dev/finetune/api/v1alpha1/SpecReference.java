package dev.finetune.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docs/SPEC.md, the FineTuneJob spec reference, written from the generated CRD: one row per field
 * with its type, bounds, allowed values, default and description, as the API server enforces them.
 * Kubernetes' own types (affinity, tolerations, nodeSelector) are one row each.
 */
final class SpecReference {
  /** Fields whose schema is a Kubernetes core type, documented there. */
  static final Set<String> NATIVE = Set.of("affinity", "tolerations", "nodeSelector");

  private SpecReference() {}

  static String render(Path crdYaml) throws IOException {
    CustomResourceDefinition crd =
        new KubernetesSerialization()
            .unmarshal(Files.readString(crdYaml), CustomResourceDefinition.class);
    var version = crd.getSpec().getVersions().get(0);
    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    List<String> rows = new ArrayList<>();
    walk("", spec, rows, Set.of());
    StringBuilder out = new StringBuilder();
    out.append("# FineTuneJob spec reference (")
        .append(crd.getSpec().getGroup())
        .append('/')
        .append(version.getName())
        .append(")\n\n")
        .append("Generated from the CRD (`crds/finetunejobs.finetune.dev-v1.yml`) by the crds\n")
        .append("module's `SpecReferenceTest`, which fails when this file and the CRD differ.\n")
        .append("Refresh it with\n`mvn -B -pl crds test -Dtest=SpecReferenceTest")
        .append(" -Dreference.update=true`.\nRequired fields are marked **required**; bounds and")
        .append(" allowed values are what the API server\nenforces. Every field but `suspend` is")
        .append(" immutable once the job exists.\n\n")
        .append("| field | type | allowed | description |\n|---|---|---|---|\n");
    rows.forEach(r -> out.append(r).append('\n'));
    return out.toString();
  }

  /**
   * docs/SWEEP-SPEC.md, the FineTuneSweep spec reference, from the sweep's CRD; its template is one
   * row (it is a FineTuneJob spec: docs/SPEC.md).
   */
  static String renderSweep(Path crdYaml) throws IOException {
    CustomResourceDefinition crd =
        new KubernetesSerialization()
            .unmarshal(Files.readString(crdYaml), CustomResourceDefinition.class);
    var version = crd.getSpec().getVersions().get(0);
    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    List<String> rows = new ArrayList<>();
    walk("", spec, rows, Set.of("template"));
    StringBuilder out = new StringBuilder();
    out.append("# FineTuneSweep spec reference (")
        .append(crd.getSpec().getGroup())
        .append('/')
        .append(version.getName())
        .append(")\n\n")
        .append("Generated from the CRD (`crds/finetunesweeps.finetune.dev-v1.yml`) by the crds\n")
        .append("module's `SpecReferenceTest`, which fails when this file and the CRD differ.\n")
        .append("Refresh it with\n`mvn -B -pl crds test -Dtest=SpecReferenceTest")
        .append(" -Dreference.update=true`.\n`template` is a FineTuneJob spec: its fields are in")
        .append(" [SPEC.md](SPEC.md). The whole spec\nis immutable once the sweep exists. What")
        .append(" works and what does not yet: README, \"FineTuneSweep\".\n\n")
        .append("| field | type | allowed | description |\n|---|---|---|---|\n");
    rows.forEach(r -> out.append(r).append('\n'));
    return out.toString();
  }

  private static void walk(
      String prefix, JSONSchemaProps node, List<String> rows, Set<String> leaves) {
    Map<String, JSONSchemaProps> props = node.getProperties();
    if (props == null) {
      return;
    }
    List<String> required = node.getRequired() == null ? List.of() : node.getRequired();
    for (var e : props.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JSONSchemaProps p = e.getValue();
      rows.add(
          "| `"
              + path
              + "`"
              + (required.contains(e.getKey()) ? " **required**" : "")
              + " | "
              + type(p)
              + " | "
              + allowed(p)
              + " | "
              + cell(p.getDescription())
              + " |");
      if (NATIVE.contains(path) || leaves.contains(path)) {
        continue;
      }
      walk(path, p, rows, leaves);
      if (p.getItems() != null && p.getItems().getSchema() != null) {
        walk(path + "[]", p.getItems().getSchema(), rows, leaves);
      }
    }
  }

  private static String type(JSONSchemaProps p) {
    if (Boolean.TRUE.equals(p.getXKubernetesPreserveUnknownFields())) {
      return "any (checked by the operator)";
    }
    if ("array".equals(p.getType()) && p.getItems() != null && p.getItems().getSchema() != null) {
      return "array of " + p.getItems().getSchema().getType();
    }
    if ("object".equals(p.getType())
        && p.getAdditionalProperties() != null
        && p.getAdditionalProperties().getSchema() != null) {
      return "map of " + p.getAdditionalProperties().getSchema().getType();
    }
    return p.getType() == null ? "" : p.getType();
  }

  private static String allowed(JSONSchemaProps p) {
    List<String> parts = new ArrayList<>();
    if (p.getEnum() != null && !p.getEnum().isEmpty()) {
      parts.add(String.join(", ", p.getEnum().stream().map(v -> "`" + v.asText() + "`").toList()));
    }
    if (p.getMinimum() != null) {
      parts.add("≥ " + number(p.getMinimum()));
    }
    if (p.getMaximum() != null) {
      parts.add("≤ " + number(p.getMaximum()));
    }
    if (p.getPattern() != null) {
      parts.add("pattern `" + p.getPattern().replace("|", "\\|") + "`");
    }
    if (p.getDefault() != null) {
      parts.add("default `" + p.getDefault().asText() + "`");
    }
    return String.join("; ", parts);
  }

  private static String number(Double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? String.valueOf(d.longValue())
        : String.valueOf(d);
  }

  private static String cell(String s) {
    return s == null ? "" : s.replace("|", "\\|").replace("\n", " ").strip();
  }
}
