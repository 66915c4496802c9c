package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/OPERATOR.md's settings table agrees with the code: every setting of {@code
 * config/OperatorConfig} and {@code config/LeaseConfig} has a row, named by its property, with its
 * variable, and the default the code declares ({@code @WithDefault}).
 */
class OperatorSettingsDocTest {
  /** A setting: optional {@code @WithDefault("...")}, then its method. */
  static final Pattern SETTING =
      Pattern.compile("(?:@WithDefault\\(\"([^\"]*)\"\\)\\s*)?\\n  [\\w<>.]+ (\\w+)\\(\\);");

  /** property name (after finetune.operator.) -> default, or null. */
  static Map<String, String> settings() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String[] source :
        List.of(
            new String[] {"OperatorConfig", ""},
            new String[] {"LeaseConfig", "leader-election."})) {
      String text =
          Files.readString(
              Tools.root()
                  .resolve(
                      "operator/src/main/java/dev/finetune/operator/config/"
                          + source[0]
                          + ".java"));
      Matcher m = SETTING.matcher(text);
      while (m.find()) {
        out.put(source[1] + kebab(m.group(2)), m.group(1));
      }
    }
    return out;
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }

  @Test
  void everySettingHasARowWithItsVariableAndDefault() throws IOException {
    Map<String, String> settings = settings();
    assertTrue(settings.size() >= 24, settings.toString());
    String doc = Files.readString(Tools.root().resolve("docs/OPERATOR.md"));
    List<String> wrong = new ArrayList<>();
    settings.forEach(
        (property, defaultValue) -> {
          String row =
              doc.lines()
                  .filter(l -> l.startsWith("| `" + property + "` |"))
                  .findFirst()
                  .orElse(null);
          if (row == null) {
            wrong.add(property + ": no row");
            return;
          }
          String[] cells = row.split(" \\| ");
          String variable =
              "`FINETUNE_OPERATOR_"
                  + property.replace('-', '_').replace('.', '_').toUpperCase(java.util.Locale.ROOT)
                  + "`";
          if (!cells[1].strip().equals(variable)) {
            wrong.add(property + ": variable " + cells[1] + ", expected " + variable);
          }
          if (defaultValue != null && !cells[3].strip().startsWith(defaultValue)) {
            wrong.add(property + ": default " + cells[3] + ", the code says " + defaultValue);
          }
        });
    assertTrue(wrong.isEmpty(), "docs/OPERATOR.md's settings table: " + wrong);
  }
}
