package dev.finetune.contract.sweep;

import dev.finetune.api.v1alpha1.sweep.FineTuneSweepSpec;
import dev.finetune.api.v1alpha1.sweep.RealRange;
import dev.finetune.api.v1alpha1.sweep.SearchSpace;
import dev.finetune.api.v1alpha1.sweep.SweepAlgorithm;
import dev.finetune.api.v1alpha1.sweep.SweepParameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The assignments a sweep tries, in order: the grid (first parameter slowest) or seeded random
 * draws. Deterministic: the same spec always gives the same list, in any JVM ({@link
 * SplittableRandom}'s algorithm is specified). Call it on a spec that {@link SweepValidator}
 * accepted.
 */
public final class SearchPoints {
  /**
   * Most grid points a sweep may have: maxTrials' own limit, so a grid is never cut short silently
   * by more than the user asked for.
   */
  public static final int MAX_GRID_POINTS = 1000;

  /** A random sweep stops drawing after this many draws per trial that repeat an earlier one. */
  static final int DRAWS_PER_TRIAL = 50;

  private SearchPoints() {}

  /** The trials' assignments: at most maxTrials (grid: the whole grid when maxTrials is unset). */
  public static List<Assignment> trials(FineTuneSweepSpec spec) {
    SweepAlgorithm a = spec.algorithm == null ? new SweepAlgorithm() : spec.algorithm;
    if (a.type == SweepAlgorithm.Type.RANDOM) {
      return random(spec.parameters, a.seed == null ? 0 : a.seed, spec.maxTrials);
    }
    long size = gridSize(spec.parameters);
    int limit = (int) Math.min(size, spec.maxTrials == null ? MAX_GRID_POINTS : spec.maxTrials);
    return grid(spec.parameters, limit);
  }

  /** The values grid search visits for one space (reals need gridPoints). */
  public static List<String> gridValues(SearchSpace s) {
    List<String> out = new ArrayList<>();
    if (s.categorical != null) {
      out.addAll(s.categorical.choices);
    } else if (s.integer != null) {
      long step = s.integer.step == null ? 1 : s.integer.step;
      for (long v = s.integer.min; v <= s.integer.max; v += step) {
        out.add(Long.toString(v));
        if (out.size() > MAX_GRID_POINTS) {
          break;
        }
      }
    } else {
      boolean log = s.logUniform != null;
      RealRange r = log ? s.logUniform : s.uniform;
      int n = r.gridPoints == null ? 1 : r.gridPoints;
      for (int i = 0; i < n; i++) {
        double f = n == 1 ? 0 : (double) i / (n - 1);
        out.add(
            SweepValues.real(
                log
                    ? Math.exp(Math.log(r.min) + f * (Math.log(r.max) - Math.log(r.min)))
                    : r.min + f * (r.max - r.min)));
      }
    }
    return out;
  }

  /** Points in the grid, saturating at Long.MAX_VALUE. */
  public static long gridSize(List<SweepParameter> parameters) {
    long size = 1;
    for (SweepParameter p : parameters) {
      long n = spaceSize(p.searchSpace);
      if (n == 0) {
        return 0;
      }
      size = size > Long.MAX_VALUE / n ? Long.MAX_VALUE : size * n;
    }
    return size;
  }

  /** Points of one space as grid search sees it, without listing them. */
  static long spaceSize(SearchSpace s) {
    if (s.categorical != null) {
      return s.categorical.choices.size();
    }
    if (s.integer != null) {
      long step = s.integer.step == null ? 1 : s.integer.step;
      if (s.integer.max < s.integer.min) {
        return 0;
      }
      return (long) Math.floor(((double) s.integer.max - s.integer.min) / step) + 1;
    }
    RealRange r = s.logUniform != null ? s.logUniform : s.uniform;
    return r.gridPoints == null ? 1 : r.gridPoints;
  }

  static List<Assignment> grid(List<SweepParameter> parameters, int limit) {
    List<List<String>> axes = parameters.stream().map(p -> gridValues(p.searchSpace)).toList();
    int[] index = new int[axes.size()];
    List<Assignment> out = new ArrayList<>();
    while (out.size() < limit) {
      Map<String, String> values = new LinkedHashMap<>();
      for (int i = 0; i < axes.size(); i++) {
        values.put(parameters.get(i).name, axes.get(i).get(index[i]));
      }
      out.add(new Assignment(values));
      int i = axes.size() - 1;
      while (i >= 0 && ++index[i] == axes.get(i).size()) {
        index[i] = 0;
        i--;
      }
      if (i < 0) {
        break;
      }
    }
    return out;
  }

  static List<Assignment> random(List<SweepParameter> parameters, long seed, int count) {
    SplittableRandom random = new SplittableRandom(seed);
    Set<Assignment> out = new LinkedHashSet<>();
    for (long draws = 0; out.size() < count && draws < (long) count * DRAWS_PER_TRIAL; draws++) {
      Map<String, String> values = new LinkedHashMap<>();
      for (SweepParameter p : parameters) {
        values.put(p.name, draw(p.searchSpace, random));
      }
      out.add(new Assignment(values));
    }
    return List.copyOf(out);
  }

  private static String draw(SearchSpace s, SplittableRandom random) {
    if (s.categorical != null) {
      return s.categorical.choices.get(random.nextInt(s.categorical.choices.size()));
    }
    if (s.integer != null) {
      long step = s.integer.step == null ? 1 : s.integer.step;
      return Long.toString(s.integer.min + step * random.nextLong(spaceSize(s)));
    }
    double f = random.nextDouble();
    if (s.logUniform != null) {
      RealRange r = s.logUniform;
      return SweepValues.real(Math.exp(Math.log(r.min) + f * (Math.log(r.max) - Math.log(r.min))));
    }
    return SweepValues.real(s.uniform.min + f * (s.uniform.max - s.uniform.min));
  }
}
