package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The docs embed the kubectl transcripts that {@code ClusterSessionIT} produces from a real run
 * (docs/transcripts/): between {@code <!-- transcript: FILE -->} and {@code <!-- /transcript
 * -->} each doc must hold exactly that file in a console block, so the docs cannot drift from
 * the run.
 */
class TranscriptDocsTest {
  static final java.util.List<String> DOCS = java.util.List.of("README.md", "docs/OPERATOR.md");
  static final Pattern BLOCK = Pattern.compile(
      "<!-- transcript: ([\\w.-]+) -->\\n```console\\n(.*?)```\\n<!-- /transcript -->",
      Pattern.DOTALL);

  @ParameterizedTest
  @CsvSource({"README.md, readme-session.console", "docs/OPERATOR.md, operator-session.console"})
  void theDocShowsTheCommittedTranscriptVerbatim(String doc, String transcript)
      throws IOException {
    String text = Files.readString(RealCluster.ROOT.resolve(doc));
    Matcher m = BLOCK.matcher(text);
    boolean found = false;
    while (m.find()) {
      if (m.group(1).equals(transcript)) {
        found = true;
        assertEquals(Files.readString(Transcript.DIR.resolve(transcript)), m.group(2),
            doc + " shows another session than docs/transcripts/" + transcript);
      }
    }
    assertTrue(found, doc + " has no <!-- transcript: " + transcript + " --> block");
  }

  @ParameterizedTest
  @CsvSource({"readme-session.console", "operator-session.console"})
  void transcriptsAreFromTheRealKubectl(String transcript) throws IOException {
    Path file = Transcript.DIR.resolve(transcript);
    assertTrue(Files.readString(file).startsWith("$ kubectl "), file.toString());
  }

  /** {@code doc} with the block of transcript {@code name} replaced by {@code text}. */
  static String embed(String doc, String name, String text) {
    Matcher m = BLOCK.matcher(doc);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String block = m.group(1).equals(name)
          ? "<!-- transcript: " + name + " -->\n```console\n" + text + "```\n<!-- /transcript -->"
          : m.group();
      m.appendReplacement(out, Matcher.quoteReplacement(block));
    }
    m.appendTail(out);
    return out.toString();
  }
}
