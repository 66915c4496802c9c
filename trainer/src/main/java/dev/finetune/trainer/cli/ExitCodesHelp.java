package dev.finetune.trainer.cli;

import dev.finetune.contract.ExitCode;
import java.util.ArrayList;
import java.util.List;

/** The exit-code table shown under --help, wrapped to fit an 80-column terminal. */
final class ExitCodesHelp {
  private ExitCodesHelp() {}

  static String[] lines() {
    List<String> lines = new ArrayList<>();
    for (ExitCode code : ExitCode.values()) {
      HelpLines.add(
          lines, String.format("  %3d  %-20s ", code.code(), code.name()), code.meaning());
    }
    return lines.toArray(String[]::new);
  }
}
