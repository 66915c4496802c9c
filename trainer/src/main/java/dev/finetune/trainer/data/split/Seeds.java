package dev.finetune.trainer.data.split;

import java.util.SplittableRandom;

/** Derives independent RNG seeds from (seed, epoch, index, ...) tuples with SplitMix64. */
public final class Seeds {
  private Seeds() {}

  public static long mix(long... parts) {
    long h = 0x9E3779B97F4A7C15L;
    for (long p : parts) {
      h = splitmix(h ^ splitmix(p + 0x632BE59BD9B4E019L));
    }
    return h;
  }

  private static long splitmix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Fisher-Yates shuffle. */
  public static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
