package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.operator.act.PodSecurityRestricted;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Pod Security Standard "restricted" (the operator's {@link PodSecurityRestricted}, as the
 * PodSecurity admission controller applies it) on every pod template of rendered manifests:
 * finetune-system enforces it.
 */
final class PodSecurity {
  static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet", "Job");
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private PodSecurity() {}

  /** Fails with every violation, each naming the object and the field. */
  static int assertRestricted(List<Map<String, Object>> objects) {
    List<String> violations = new ArrayList<>();
    int pods = 0;
    for (Map<String, Object> o : objects) {
      if (!WORKLOADS.contains(Manifests.kind(o))) {
        continue;
      }
      PodSpec pod =
          SERIALIZATION.convertValue(Manifests.map(o, "spec", "template", "spec"), PodSpec.class);
      pods++;
      for (String v : PodSecurityRestricted.violations(pod)) {
        violations.add(Manifests.kind(o) + "/" + Manifests.name(o) + ": " + v);
      }
    }
    assertEquals(List.of(), violations, "Pod Security restricted");
    return pods;
  }
}
