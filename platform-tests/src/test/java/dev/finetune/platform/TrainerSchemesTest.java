package dev.finetune.platform;

import static dev.finetune.platform.Manifests.find;
import static dev.finetune.platform.Manifests.list;
import static dev.finetune.platform.Manifests.map;
import static dev.finetune.platform.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, class 17: cluster trainer pods get a scheme list without {@code file}, so a spec cannot
 * read the trainer image's file system or echo its listings into job status.
 */
class TrainerSchemesTest {
  @Test
  void basePassesTrainerPodsASchemeListWithoutFile() {
    Map<String, Object> deployment =
        find(render("deploy/base"), "Deployment", "finetune-operator").orElseThrow();
    Map<String, Object> container =
        KustomizeRenderTest.asMap(
            list(map(deployment, "spec", "template", "spec"), "containers").get(0));
    String schemes =
        list(container, "env").stream()
            .map(KustomizeRenderTest::asMap)
            .filter(e -> "FINETUNE_OPERATOR_TRAINER_ALLOWED_SCHEMES".equals(e.get("name")))
            .map(e -> (String) e.get("value"))
            .findFirst()
            .orElseThrow();
    List<String> list = Arrays.stream(schemes.split(",")).map(String::trim).toList();
    assertFalse(list.contains("file"), schemes);
    assertEquals(List.of("http", "https", "s3", "hf"), list);
  }
}
