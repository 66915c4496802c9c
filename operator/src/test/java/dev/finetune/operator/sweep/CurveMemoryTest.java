package dev.finetune.operator.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the operator remembers of the curves past the status table's 50 rows. */
class CurveMemoryTest {
  @Test
  void aTrialPastTheTableKeepsItsCurveAndARunningTrialItsEarlierEpochs() {
    CurveMemory memory = new CurveMemory();
    memory.remember(
        "u", Map.of("t-51", Arrays.asList(0.4, 0.5, 0.6), "t-52", new ArrayList<>(List.of(0.3))));

    // the next reconcile: the status table lacks both, t-52 reports its epoch 3 now
    Map<String, List<Double>> now = new HashMap<>();
    now.put("t-52", new ArrayList<>(Arrays.asList(null, null, 0.35)));
    memory.fill("u", now);
    assertEquals(List.of(0.4, 0.5, 0.6), now.get("t-51"));
    assertEquals(Arrays.asList(0.3, null, 0.35), now.get("t-52"), "epoch 1 from memory");

    Map<String, List<Double>> other = new HashMap<>();
    memory.fill("another-sweep", other);
    assertEquals(Map.of(), other, "per sweep uid");
  }

  @Test
  void aReadIsMarkedOnceAndAnEndedOrDeletedSweepIsForgotten() {
    CurveMemory memory = new CurveMemory();
    assertFalse(memory.wasRead("u", "t"));
    memory.markRead("u", "t");
    memory.markRead("v", "t");
    assertTrue(memory.wasRead("u", "t"));
    memory.remember("v", Map.of("t", List.of(0.1)));

    memory.forget("u");
    assertFalse(memory.wasRead("u", "t"), "ended");
    memory.retain(List.of("w"));
    assertFalse(memory.wasRead("v", "t"), "deleted");
    Map<String, List<Double>> now = new HashMap<>();
    memory.fill("v", now);
    assertEquals(Map.of(), now);
  }
}
