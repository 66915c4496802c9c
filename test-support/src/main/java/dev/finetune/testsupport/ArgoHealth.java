package dev.finetune.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Argo CD's verdict on a FineTuneJob: runs the shipped health script
 * (deploy/argocd/finetunejob-health.lua) with Debian's {@code lua5.4}, as Argo CD's Lua VM does, on
 * an object given as JSON-like maps (a sample, or a real object read from the API server).
 */
public final class ArgoHealth {
  private ArgoHealth() {}

  /** Argo CD's health status and message. */
  public record Verdict(String status, String message) {}

  /** The script's verdict on {@code object}; fails with lua's output if lua fails. */
  public static Verdict of(Path lua, Path script, Map<String, Object> object) {
    try {
      Path driver = Files.createTempFile("argo-health-", ".lua");
      try {
        Files.writeString(
            driver,
            "obj = "
                + literal(object)
                + "\n"
                + "local hs = dofile("
                + literal(script.toString())
                + ")\n"
                + "io.write(hs.status, \"\\n\", hs.message, \"\\n\")\n",
            StandardCharsets.UTF_8);
        String text =
            Command.run(
                    List.of(lua.toString(), driver.toString()),
                    Map.of(),
                    null,
                    Duration.ofSeconds(30))
                .ok()
                .stdout();
        String[] lines = text.split("\n", -1);
        return new Verdict(lines[0], lines.length > 1 ? lines[1] : "");
      } finally {
        Files.deleteIfExists(driver);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON-like value as a Lua table constructor (maps as records, lists as sequences). */
  public static String literal(Object value) {
    if (value == null) {
      return "nil";
    }
    if (value instanceof Map<?, ?> map) {
      return map.entrySet().stream()
          .map(e -> "[" + literal(String.valueOf(e.getKey())) + "] = " + literal(e.getValue()))
          .collect(Collectors.joining(", ", "{", "}"));
    }
    if (value instanceof List<?> list) {
      return list.stream().map(ArgoHealth::literal).collect(Collectors.joining(", ", "{", "}"));
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    String s = value.toString().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    return "\"" + s + "\"";
  }
}
