package dev.finetune.operator.sweep;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's memory of every trial's objective curve (index 0 = epoch 1, null where none was
 * seen), per sweep uid, beyond the 50 rows the status table holds: the median rule compares with
 * all completed trials, not only those in the table. What the operator's process loses comes back
 * on its own: the table's curves from the status, and each succeeded trial's whole curve, read once
 * from its result.json. A trial whose read succeeded is marked, so storage is not read again on
 * every reconcile.
 */
final class CurveMemory {
  private final Map<String, Map<String, List<Double>>> curves = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> read = new ConcurrentHashMap<>();

  /**
   * Fills in what {@code into} lacks from the remembered curves: whole curves of trials past the
   * table, and the earlier epochs of a running trial whose map holds only today's point.
   */
  void fill(String sweepUid, Map<String, List<Double>> into) {
    curves
        .getOrDefault(sweepUid, Map.of())
        .forEach(
            (trial, remembered) -> {
              List<Double> curve = into.computeIfAbsent(trial, t -> new ArrayList<>());
              for (int i = 0; i < remembered.size(); i++) {
                if (i >= curve.size()) {
                  curve.add(remembered.get(i));
                } else if (curve.get(i) == null) {
                  curve.set(i, remembered.get(i));
                }
              }
            });
  }

  /** Whether the trial's whole curve was read from storage already. */
  boolean wasRead(String sweepUid, String trial) {
    return read.getOrDefault(sweepUid, Set.of()).contains(trial);
  }

  void markRead(String sweepUid, String trial) {
    read.computeIfAbsent(sweepUid, u -> ConcurrentHashMap.newKeySet()).add(trial);
  }

  /** Remembers the curves as they are now. */
  void remember(String sweepUid, Map<String, List<Double>> now) {
    Map<String, List<Double>> copy = new HashMap<>();
    now.forEach((trial, curve) -> copy.put(trial, new ArrayList<>(curve)));
    curves.put(sweepUid, copy);
  }

  /** Forgets a sweep that ended: the median rule has nothing left to stop. */
  void forget(String sweepUid) {
    curves.remove(sweepUid);
    read.remove(sweepUid);
  }

  /** Forgets the sweeps not in {@code live} (deleted ones). */
  void retain(Collection<String> live) {
    Set<String> keep = new HashSet<>(live);
    curves.keySet().retainAll(keep);
    read.keySet().retainAll(keep);
  }
}
