package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.contract.Phase;
import dev.finetune.testsupport.ArgoHealth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/argocd/finetunejob-health.lua run by Debian's lua5.4 on the sample FineTuneJobs of
 * src/test/resources/argocd/health-cases.yaml (the script sticks to Lua 5.1, which Argo CD's
 * gopher-lua implements), and the argocd-cm snippet embeds the script verbatim.
 */
class ArgoHealthCheckTest {
  static final Path SCRIPT = Path.of("deploy/argocd/finetunejob-health.lua");

  @Test
  void healthOfSampleStatuses() throws IOException {
    Path lua = Tools.require("lua5.4", "run bin/setup (Debian package lua5.4)");
    List<Map<String, Object>> cases = casesFile();
    for (Map<String, Object> c : cases) {
      @SuppressWarnings("unchecked")
      ArgoHealth.Verdict v =
          ArgoHealth.of(lua, Tools.root().resolve(SCRIPT), (Map<String, Object>) c.get("object"));
      assertEquals(
          c.get("status") + "\n" + c.get("message"),
          v.status() + "\n" + v.message(),
          "case '" + c.get("name") + "'");
    }
    assertEquals(12, cases.size());
  }

  /**
   * Every phase of the API ({@link Phase}) has a health of its own in the script: a phase added to
   * the enum without teaching the script would show as Unknown in Argo CD.
   */
  @Test
  void knowsEveryPhase() throws IOException {
    Path lua = Tools.require("lua5.4", "run bin/setup (Debian package lua5.4)");
    Map<Phase, String> expected =
        Map.of(
            Phase.PENDING,
            "Progressing",
            Phase.RUNNING,
            "Progressing",
            Phase.SUSPENDED,
            "Suspended",
            Phase.SUCCEEDED,
            "Healthy",
            Phase.FAILED,
            "Degraded");
    for (Phase phase : Phase.values()) {
      ArgoHealth.Verdict v =
          ArgoHealth.of(
              lua, Tools.root().resolve(SCRIPT), Map.of("status", Map.of("phase", phase.label())));
      assertEquals(
          expected.get(phase),
          v.status(),
          "phase " + phase.label() + " (add it to " + SCRIPT + " and to this table)");
    }
  }

  @Test
  void argocdConfigMapEmbedsTheScript() throws IOException {
    Map<String, Object> cm =
        Manifests.readYaml(Tools.root().resolve("deploy/argocd/argocd-cm-patch.yaml")).get(0);
    assertEquals("argocd-cm", Manifests.name(cm));
    assertEquals(
        Files.readString(Tools.root().resolve(SCRIPT)),
        Manifests.map(cm, "data").get("resource.customizations.health.finetune.dev_FineTuneJob"));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> casesFile() throws IOException {
    return Manifests.YAML.readValue(
        Tools.root().resolve("platform-tests/src/test/resources/argocd/health-cases.yaml").toFile(),
        List.class);
  }
}
