package dev.finetune.operator.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: the secret scan looked only for the plain canaries. Their base64 form, alone or inside
 * a longer encoded value at any alignment, standard or URL-safe, is found too.
 */
class SecretFormsTest {
  static final String CANARY = "canary-secret-key-0123456789abcdef";

  @Test
  void base64AtEveryAlignmentIsFound() {
    for (String prefix : List.of("", "a", "ab", "abc", "AWS_SECRET_ACCESS_KEY=")) {
      for (String suffix : List.of("", "z", "zy", "\n")) {
        byte[] value = (prefix + CANARY + suffix).getBytes(StandardCharsets.UTF_8);
        for (String encoded :
            List.of(
                Base64.getEncoder().encodeToString(value),
                Base64.getUrlEncoder().encodeToString(value))) {
          String text = "{\"data\": {\"x\": \"" + encoded + "\"}}";
          assertTrue(
              SecretForms.leaked(text, List.of(CANARY)).isPresent(),
              prefix + "|" + suffix + ": " + encoded);
        }
      }
    }
    assertEquals("plain", SecretForms.leaked("key " + CANARY, List.of(CANARY)).orElseThrow());
  }

  @Test
  void otherTextIsNotALeak() {
    String other =
        Base64.getEncoder()
            .encodeToString("canary-secret-key-9999999999999999".getBytes(StandardCharsets.UTF_8));
    assertTrue(SecretForms.leaked(other + " canary", List.of(CANARY)).isEmpty());
  }
}
