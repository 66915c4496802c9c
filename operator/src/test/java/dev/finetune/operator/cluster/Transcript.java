package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.finetune.testsupport.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A console transcript of real kubectl calls: each command as a user types it, then what kubectl
 * printed (stdout, then stderr). {@link #check} holds it against the committed copy under {@code
 * docs/transcripts/}, with the values that change from run to run masked (ages, times, measured
 * numbers, digests, generated name suffixes, ports); with {@code -Dtranscripts.update=true} it
 * writes the committed copy instead, and the docs' blocks that show it. The docs embed the
 * committed copies ({@code TranscriptDocsTest} holds them equal), so the README's session is a real
 * run's output, and a change in commands, columns, messages or phases fails a test.
 */
final class Transcript {
  static final Path DIR = RealCluster.ROOT.resolve("docs/transcripts");

  /** The docs that embed transcripts, each between these markers. */
  static final List<String> DOCS = List.of("README.md", "docs/OPERATOR.md");

  static final Pattern BLOCK =
      Pattern.compile(
          "<!-- transcript: ([\\w.-]+) -->\\n```console\\n(.*?)```\\n<!-- /transcript -->",
          Pattern.DOTALL);

  /** In this order: a float's digits must not be taken for a digest first. */
  private static final List<Pattern> VOLATILE =
      List.of(
          Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"),
          Pattern.compile("\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b"),
          Pattern.compile("-?\\d+\\.\\d+(E-?\\d+)?"),
          Pattern.compile("\\b[0-9a-f]{12,}\\b"),
          Pattern.compile("(?<=attempt-\\d{1,3}-)[a-z0-9]{5}\\b"),
          Pattern.compile("(?<=127\\.0\\.0\\.1:)\\d+"),
          Pattern.compile("\\b\\d+[smhd](\\d+[sm])?\\b"),
          Pattern.compile("(?<=resourceVersion: \")\\d+"));

  private final String name;
  private final java.util.Map<String, String> shownAs;
  private final StringBuilder text = new StringBuilder();

  /** {@code shownAs}: text of the output replaced for the reader (e.g. a temporary path). */
  Transcript(String name, java.util.Map<String, String> shownAs) {
    this.name = name;
    this.shownAs = shownAs;
  }

  /** Runs kubectl with {@code args}, shown as {@code shown}; returns its result. */
  Command.Result run(RealCluster cluster, String shown, String... args) {
    Command.Result r = cluster.kubectl(args);
    String out = r.stdout() + r.stderr();
    for (var e : shownAs.entrySet()) {
      out = out.replace(e.getKey(), e.getValue());
    }
    text.append("$ ").append(shown).append('\n').append(out);
    return r;
  }

  /** A comment line in the transcript, as a user would type one. */
  void note(String comment) {
    text.append("# ").append(comment).append('\n');
  }

  String text() {
    return text.toString();
  }

  static String masked(String text) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String l = line;
      for (Pattern p : VOLATILE) {
        l = p.matcher(l).replaceAll("<v>");
      }
      lines.add(l.replaceAll("\\s+", " ").strip());
    }
    return String.join("\n", lines);
  }

  /** Compares with (or, with -Dtranscripts.update=true, writes) docs/transcripts/NAME. */
  void check() throws IOException {
    Path committed = DIR.resolve(name);
    Path fresh = RealCluster.ROOT.resolve("operator/target/transcripts").resolve(name);
    Files.createDirectories(fresh.getParent());
    Files.writeString(fresh, text());
    if (Boolean.getBoolean("transcripts.update")) {
      Files.createDirectories(DIR);
      Files.writeString(committed, text());
      for (String doc : DOCS) {
        Path file = RealCluster.ROOT.resolve(doc);
        Files.writeString(file, embed(Files.readString(file), name, text()));
      }
      return;
    }
    assertEquals(
        masked(Files.readString(committed)),
        masked(text()),
        "the kubectl session "
            + name
            + " changed; this run's transcript is "
            + fresh
            + ". If the change is meant,"
            + " regenerate the docs' copy: mvn -B -pl operator -am verify -Dtest=none"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ClusterSessionIT"
            + " -Dtranscripts.update=true");
  }

  /** {@code doc} with the block of transcript {@code name} replaced by {@code text}. */
  static String embed(String doc, String name, String text) {
    java.util.regex.Matcher m = BLOCK.matcher(doc);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String block =
          m.group(1).equals(name)
              ? "<!-- transcript: "
                  + name
                  + " -->\n```console\n"
                  + text
                  + "```\n<!-- /transcript -->"
              : m.group();
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(block));
    }
    m.appendTail(out);
    return out.toString();
  }
}
