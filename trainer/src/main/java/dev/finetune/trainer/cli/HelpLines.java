package dev.finetune.trainer.cli;

import java.util.List;

/** One row of a two-column table under --help, its text wrapped to an 80-column terminal. */
final class HelpLines {
  private static final int WIDTH = 79;

  private HelpLines() {}

  /** Adds {@code head} (already padded to the text column) and {@code text}, wrapped. */
  static void add(List<String> lines, String head, String text) {
    int indent = head.length();
    StringBuilder line = new StringBuilder(head);
    for (String word : text.split(" ")) {
      if (line.length() + word.length() + 1 > WIDTH) {
        lines.add(line.toString().stripTrailing());
        line = new StringBuilder(" ".repeat(indent));
      }
      line.append(word).append(' ');
    }
    lines.add(line.toString().stripTrailing());
  }
}
