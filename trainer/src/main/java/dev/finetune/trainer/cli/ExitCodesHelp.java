package dev.finetune.trainer.cli;

import dev.finetune.trainer.error.ExitCode;

/** The exit-code table shown under --help. */
final class ExitCodesHelp {
  private ExitCodesHelp() {}

  static String[] lines() {
    ExitCode[] codes = ExitCode.values();
    String[] lines = new String[codes.length];
    for (int i = 0; i < codes.length; i++) {
      lines[i] = String.format("  %3d  %-20s %s", codes[i].code(), codes[i].name(), codes[i].meaning());
    }
    return lines;
  }
}
