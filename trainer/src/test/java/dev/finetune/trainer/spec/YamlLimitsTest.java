package dev.finetune.trainer.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: YAML has a depth limit and a size limit, refused fast with one line. 1 MB of '[' used
 * to cost about 30 s of CPU in SnakeYAML's scanner before exit 3.
 */
class YamlLimitsTest {
  private static final Duration FAST = Duration.ofSeconds(3);

  static String refused(String yaml) {
    TrainerException e =
        assertTimeoutPreemptively(
            FAST,
            () -> assertThrows(TrainerException.class, () -> JobLoader.parse(yaml, "job.yaml")));
    assertEquals(ExitCode.INVALID_SPEC, e.exitCode(), e.getMessage());
    assertTrue(e.getMessage().startsWith("job.yaml: "), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void aMegabyteOfOpenBracketsOrBracesIsRefusedFast() {
    for (char c : new char[] {'[', '{'}) {
      String m = refused(String.valueOf(c).repeat((1 << 20) - 1));
      assertTrue(m.contains("nested deeper than 20 levels (line 1)"), m);
    }
    String m = refused(YamlStrictnessTest.HEAD + "metadata: " + "[".repeat(500_000));
    assertTrue(m.contains("nested deeper than 20"), m);
  }

  @Test
  void deepBlockNestingIsRefusedFast() {
    StringBuilder yaml = new StringBuilder(YamlStrictnessTest.HEAD + "metadata:\n");
    for (int i = 1; i <= 40; i++) {
      yaml.append(" ".repeat(i)).append("k").append(i).append(":\n");
    }
    String m = refused(yaml.toString());
    assertTrue(m.contains("nested deeper than 20"), m);
  }

  @Test
  void moreThanAMegabyteIsRefusedBeforeParsing() {
    String m =
        refused(
            YamlStrictnessTest.HEAD + "# " + "x".repeat(1 << 20) + "\n" + YamlStrictnessTest.BODY);
    assertTrue(m.contains("more than 1048576"), m);
  }

  @Test
  void bracketsInQuotedStringsAndCommentsDoNotCount() {
    String deep = "[".repeat(30);
    String yaml =
        YamlStrictnessTest.HEAD + "# " + deep + "\n" + YamlStrictnessTest.BODY + "  dataset:\n";
    // Quoted and commented brackets are text: the manifest stays valid.
    String ok =
        YamlStrictnessTest.HEAD
            + "# "
            + deep
            + "\n"
            + YamlStrictnessTest.BODY.replace("file:///d/train", "file:///d/" + deep + "'s");
    assertEquals(2, JobLoader.parse(ok, "job.yaml").getSpec().training.epochs);
    assertEquals(
        ExitCode.INVALID_SPEC,
        assertThrows(TrainerException.class, () -> JobLoader.parse(yaml, "job.yaml"))
            .exitCode()); // a duplicate key, not depth
  }
}
