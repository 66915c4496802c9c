package dev.finetune.operator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The docs embed the kubectl transcripts that {@code ClusterSessionIT} produces from a real run
 * (docs/transcripts/): between {@code <!-- transcript: FILE -->} and {@code <!-- /transcript -->}
 * each doc must hold exactly that file in a console block, so the docs cannot drift from the run.
 */
class TranscriptDocsTest {
  @ParameterizedTest
  @CsvSource({"README.md, readme-session.console", "docs/OPERATOR.md, operator-session.console"})
  void theDocShowsTheCommittedTranscriptVerbatim(String doc, String transcript) throws IOException {
    String text = Files.readString(RealCluster.ROOT.resolve(doc));
    Matcher m = Transcript.BLOCK.matcher(text);
    boolean found = false;
    while (m.find()) {
      if (m.group(1).equals(transcript)) {
        found = true;
        assertEquals(
            Files.readString(Transcript.DIR.resolve(transcript)),
            m.group(2),
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

  @org.junit.jupiter.api.Test
  void onlyVolatileValuesAreMasked() {
    String a =
        "ok Succeeded 2 100 0.3333333333333333 0 16s\nuid: 3637d36f-8dc3-4d57-8ced-b8844db73bed"
            + "\n  imagesPerSecond: \"44.40042679318249\"\npod/ok-attempt-1-2kv72 0/1";
    String b =
        "ok   Succeeded   2   100   0.9166666666666666   0   1m3s\n"
            + "uid: 6abcbae7-2060-41ad-8e69-0123456789ab\n  imagesPerSecond: \"103.5\"\n"
            + "pod/ok-attempt-1-vhh6c 0/1";
    assertEquals(Transcript.masked(a), Transcript.masked(b));
    assertTrue(!Transcript.masked(a).equals(Transcript.masked(a.replace("Succeeded", "Failed"))));
    assertTrue(!Transcript.masked(a).equals(Transcript.masked(a.replace(" 2 100", " 1 50"))));
  }
}
