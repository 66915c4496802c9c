package dev.finetune.contract.sweep;

import dev.finetune.contract.SpecValidator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Names of a sweep's FineTuneJobs, from the sweep's name and the assignment alone, so every
 * reconcile (and {@code bin/finetune sweep} on a laptop) names the same trial the same way and
 * re-applying a sweep finds its finished trials instead of training them again.
 *
 * <p>A trial is {@code <sweep>-<10 hex digits>}: the first 40 bits of the SHA-256 of the sweep's
 * name and the assignment with its paths sorted (parameter order does not matter). The sweep's name
 * is cut so the whole stays a FineTuneJob name ({@link SpecValidator#MAX_NAME}); the hash covers
 * the full name, so two sweeps whose names share the kept prefix still differ. The baseline is
 * {@code <sweep>-baseline} ("baseline" has letters no hex digest has).
 */
public final class TrialNames {
  static final int HASH_CHARS = 10;
  static final String BASELINE = "baseline";

  private TrialNames() {}

  public static String trial(String sweep, Assignment assignment) {
    return prefix(sweep, SpecValidator.MAX_NAME - 1 - HASH_CHARS) + "-" + hash(sweep, assignment);
  }

  public static String baseline(String sweep) {
    return prefix(sweep, SpecValidator.MAX_NAME - 1 - BASELINE.length()) + "-" + BASELINE;
  }

  static String hash(String sweep, Assignment assignment) {
    StringBuilder text = new StringBuilder(sweep).append('\n');
    for (Map.Entry<String, String> e : new TreeMap<>(assignment.values()).entrySet()) {
      text.append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(text.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String prefix(String sweep, int max) {
    String p = sweep.length() <= max ? sweep : sweep.substring(0, max);
    while (p.endsWith("-")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }
}
