package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.testsupport.ArgoHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/argocd/finetunesweep-health.lua run by Debian's lua5.4 on the sample FineTuneSweeps of
 * src/test/resources/argocd/sweep-health-cases.yaml, and the argocd-cm snippet embeds it verbatim.
 */
class SweepArgoHealthCheckTest {
  static final Path SCRIPT = Path.of("deploy/argocd/finetunesweep-health.lua");

  @Test
  @SuppressWarnings("unchecked")
  void healthOfSampleStatuses() throws IOException {
    Path lua = Tools.require("lua5.4", "run bin/setup (Debian package lua5.4)");
    List<Map<String, Object>> cases =
        Manifests.YAML.readValue(
            Tools.root()
                .resolve("platform-tests/src/test/resources/argocd/sweep-health-cases.yaml")
                .toFile(),
            List.class);
    for (Map<String, Object> c : cases) {
      ArgoHealth.Verdict v =
          ArgoHealth.of(lua, Tools.root().resolve(SCRIPT), (Map<String, Object>) c.get("object"));
      assertEquals(
          c.get("status") + "\n" + c.get("message"),
          v.status() + "\n" + v.message(),
          "case '" + c.get("name") + "'");
    }
    assertEquals(7, cases.size());
  }

  @Test
  void argocdConfigMapEmbedsTheScript() throws IOException {
    Map<String, Object> cm =
        Manifests.readYaml(Tools.root().resolve("deploy/argocd/argocd-cm-patch.yaml")).get(0);
    assertEquals(
        Files.readString(Tools.root().resolve(SCRIPT)),
        Manifests.map(cm, "data").get("resource.customizations.health.finetune.dev_FineTuneSweep"));
  }
}
