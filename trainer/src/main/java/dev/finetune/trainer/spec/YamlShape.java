package dev.finetune.trainer.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune.api.v1alpha1.FineTuneJob;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.StringReader;
import java.util.Iterator;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * What a manifest must look like before it is mapped: one document, no anchors or aliases (Jackson
 * turned {@code *name} into the string "name"), and apiVersion and kind as the API server requires
 * (the mapped object always reported its own class's kind, so a {@code kind: Pod} passed).
 * Duplicate keys, floats for integers and strings for numbers are refused by {@link
 * JobLoader#mapper}.
 */
final class YamlShape {
  private YamlShape() {}

  /** The deepest nesting a manifest may have (a FineTuneJob needs 6); SnakeYAML's limit too. */
  static final int MAX_DEPTH = 20;

  /**
   * Refuses flow nesting ({@code [ [ [ ...}, {@code { {...}) deeper than {@link #MAX_DEPTH} in one
   * linear pass over the text, before SnakeYAML sees it: its scanner's cost grows with the flow
   * level at every token, so 1 MB of '[' took about 30 s. Quoted scalars and comments are
   * skipped; a quote opens a scalar only where a scalar can start.
   */
  static void checkFlowDepth(String yaml, String source) {
    int depth = 0;
    int line = 1;
    char quote = 0;
    boolean comment = false;
    for (int i = 0; i < yaml.length(); i++) {
      char c = yaml.charAt(i);
      if (c == '\n') {
        line++;
        comment = false;
      }
      if (comment) {
        continue;
      }
      if (quote != 0) {
        if (quote == '"' && c == '\\') {
          i++;
        } else if (c == quote) {
          if (quote == '\'' && i + 1 < yaml.length() && yaml.charAt(i + 1) == '\'') {
            i++;
          } else {
            quote = 0;
          }
        }
        continue;
      }
      char before = i == 0 ? ' ' : yaml.charAt(i - 1);
      boolean start =
          Character.isWhitespace(before) || before == '[' || before == '{' || before == ',';
      if (c == '#' && Character.isWhitespace(before)) {
        comment = true;
      } else if ((c == '\'' || c == '"') && start) {
        quote = c;
      } else if (c == '[' || c == '{') {
        if (++depth > MAX_DEPTH) {
          throw invalid(
              source,
              "nested deeper than "
                  + MAX_DEPTH
                  + " levels (line "
                  + line
                  + "); a FineTuneJob needs a handful");
        }
      } else if ((c == ']' || c == '}') && depth > 0) {
        depth--;
      }
    }
  }

  /** Scans the YAML's events; malformed YAML is left to the mapper, which reports its line. */
  static void checkEvents(String yaml, String source, LoaderOptions options) {
    checkFlowDepth(yaml, source);
    int documents = 0;
    int depth = 0;
    try {
      Iterator<Event> events = new Yaml(options).parse(new StringReader(yaml)).iterator();
      while (events.hasNext()) {
        Event e = events.next();
        if (e instanceof DocumentStartEvent && events.hasNext()) {
          Event first = events.next();
          boolean empty =
              first instanceof ScalarEvent s
                  && s.getValue().isEmpty()
                  && s.getImplicit().canOmitTagInPlainScalar();
          if (!empty) {
            documents++;
          }
          e = first;
        }
        if (e instanceof CollectionStartEvent && ++depth > MAX_DEPTH) {
          throw invalid(
              source,
              "nested deeper than "
                  + MAX_DEPTH
                  + " levels"
                  + (e.getStartMark() == null
                      ? ""
                      : " (line " + (e.getStartMark().getLine() + 1) + ")")
                  + "; a FineTuneJob needs a handful");
        } else if (e instanceof CollectionEndEvent) {
          depth--;
        }
        if (e instanceof AliasEvent || (e instanceof NodeEvent n && n.getAnchor() != null)) {
          throw invalid(
              source,
              "YAML anchors and aliases (&name, *name) are not supported"
                  + (e.getStartMark() == null
                      ? ""
                      : " (line " + (e.getStartMark().getLine() + 1) + ")")
                  + "; write the value out");
        }
      }
    } catch (YAMLException malformed) {
      return;
    }
    if (documents > 1) {
      throw invalid(
          source,
          documents + " YAML documents; a manifest file holds exactly one" + " FineTuneJob");
    }
  }

  /** apiVersion and kind (FineTuneJob), read from the document itself. */
  static void checkType(JsonNode root, String source) {
    checkType(root, source, "FineTuneJob");
  }

  /** apiVersion and kind ({@code expectedKind}), read from the document itself. */
  static void checkType(JsonNode root, String source, String expectedKind) {
    if (root == null || !root.isObject()) {
      return; // the mapper reports it
    }
    String expected = FineTuneJob.GROUP + "/" + FineTuneJob.VERSION;
    JsonNode apiVersion = root.get("apiVersion");
    if (apiVersion == null || !apiVersion.isTextual() || !expected.equals(apiVersion.asText())) {
      throw invalid(
          source,
          "apiVersion: must be "
              + expected
              + ", got "
              + (apiVersion == null ? "nothing" : "'" + shorten(apiVersion.asText()) + "'"));
    }
    JsonNode kind = root.get("kind");
    if (kind == null || !kind.isTextual() || !expectedKind.equals(kind.asText())) {
      throw invalid(
          source,
          "kind: must be "
              + expectedKind
              + ", got "
              + (kind == null ? "nothing" : "'" + shorten(kind.asText()) + "'"));
    }
  }

  private static String shorten(String s) {
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  private static TrainerException invalid(String source, String why) {
    return new TrainerException(ExitCode.INVALID_SPEC, source + ": " + why);
  }
}
