package dev.finetune.contract.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.SpecValidator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrialNamesTest {
  static final Assignment LR = new Assignment(Map.of("training.learningRate", "0.001"));

  /** sweep name -> trial name: the prefix is cut to fit, trailing '-' dropped. */
  @ParameterizedTest
  @CsvSource({
    "hotdog-sweep, hotdog-sweep-",
    "a, a-",
    "a-very-long-sweep-name-that-goes-on-and-on-and-on-to-63-chars, a-very-long-sweep-name-that-goes-on-a-",
    "abcdefghij-abcdefghij-abcdefghij-abc-xyz, abcdefghij-abcdefghij-abcdefghij-abc-",
    "abcdefghij-abcdefghij-abcdefghij-abcdefg, abcdefghij-abcdefghij-abcdefghij-abcd-"
  })
  void trialNameFitsAJobName(String sweep, String prefix) {
    String name = TrialNames.trial(sweep, LR);
    assertTrue(name.startsWith(prefix), name);
    assertEquals(prefix.length() + TrialNames.HASH_CHARS, name.length(), name);
    assertTrue(SpecValidator.isJobName(name), name);
    String baseline = TrialNames.baseline(sweep);
    assertTrue(SpecValidator.isJobName(baseline), baseline);
    assertTrue(baseline.endsWith("-baseline"), baseline);
  }

  /** Pinned: a change would make every sweep in Git retrain all its trials. */
  @Test
  void stable() {
    assertEquals("hotdog-sweep-feef625432", TrialNames.trial("hotdog-sweep", LR));
  }

  @Test
  void parameterOrderDoesNotMatter() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("training.learningRate", "0.001");
    a.put("training.epochs", "3");
    Map<String, String> b = new LinkedHashMap<>();
    b.put("training.epochs", "3");
    b.put("training.learningRate", "0.001");
    assertEquals(
        TrialNames.trial("s", new Assignment(a)), TrialNames.trial("s", new Assignment(b)));
  }

  @Test
  void differentAssignmentsAndSweepsDiffer() {
    Assignment other = new Assignment(Map.of("training.learningRate", "0.01"));
    assertNotEquals(TrialNames.trial("s", LR), TrialNames.trial("s", other));
    String longA = "x".repeat(60) + "a";
    String longB = "x".repeat(60) + "b";
    assertNotEquals(TrialNames.trial(longA, LR), TrialNames.trial(longB, LR));
    assertNotEquals(TrialNames.baseline("s"), TrialNames.trial("s", LR));
  }
}
