package dev.finetune.operator.drill;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The forms a leaked credential can take in what the secret scan reads: the plain string, and its
 * base64 (standard and URL-safe) at each of the three byte alignments it can have inside a longer
 * encoded value (a Secret's data copied into a ConfigMap, an env var dumped as base64). For each
 * alignment only the characters that depend on the canary alone are kept.
 */
final class SecretForms {
  private SecretForms() {}

  static List<String> of(String canary) {
    List<String> forms = new ArrayList<>(List.of(canary));
    byte[] bytes = canary.getBytes(StandardCharsets.UTF_8);
    for (int pad = 0; pad < 3; pad++) {
      byte[] padded = new byte[pad + bytes.length];
      System.arraycopy(bytes, 0, padded, pad, bytes.length);
      String b64 = Base64.getEncoder().encodeToString(padded);
      int from = pad == 0 ? 0 : 4;
      int to = padded.length % 3 == 0 ? b64.length() : b64.length() - 4;
      String core = b64.substring(from, to);
      forms.add(core);
      forms.add(core.replace('+', '-').replace('/', '_'));
    }
    return forms.stream().distinct().toList();
  }

  /** The first form of any canary found in {@code text}, described. */
  static Optional<String> leaked(String text, List<String> canaries) {
    for (String canary : canaries) {
      for (String form : of(canary)) {
        if (text.contains(form)) {
          return Optional.of(form.equals(canary) ? "plain" : "base64 " + form);
        }
      }
    }
    return Optional.empty();
  }
}
