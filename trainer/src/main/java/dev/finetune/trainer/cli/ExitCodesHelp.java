package dev.finetune.trainer.cli;

import dev.finetune.contract.ExitCode;
import java.util.ArrayList;
import java.util.List;

/** The exit-code table shown under --help, wrapped to fit an 80-column terminal. */
final class ExitCodesHelp {
  private static final int INDENT = 28;
  private static final int WIDTH = 79;

  private ExitCodesHelp() {}

  static String[] lines() {
    List<String> lines = new ArrayList<>();
    for (ExitCode code : ExitCode.values()) {
      StringBuilder line = new StringBuilder(String.format("  %3d  %-20s ", code.code(), code.name()));
      for (String word : code.meaning().split(" ")) {
        if (line.length() + word.length() + 1 > WIDTH) {
          lines.add(line.toString().stripTrailing());
          line = new StringBuilder(" ".repeat(INDENT));
        }
        line.append(word).append(' ');
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines.toArray(String[]::new);
  }
}
