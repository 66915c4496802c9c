package dev.finetune.trainer.cli;

import dev.finetune.contract.FinalResult;
import dev.finetune.contract.StorageLayout;
import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The final numbers in the container's termination message: the compact form of result.json
 * ({@link FinalResult}), read back from the result.json just written, so both say the same.
 */
final class TerminationMessage {
  private TerminationMessage() {}

  static void write(Path terminationLog, Path output) {
    try {
      FinalResult result = FinalResult.fromResultJson(
          Files.readAllBytes(output.resolve(StorageLayout.RESULT_FILE))).orElseThrow(() ->
              new IllegalStateException(StorageLayout.RESULT_FILE + " has no finished epoch"));
      byte[] line = result.toJson().getBytes(StandardCharsets.UTF_8);
      if (line.length > FinalResult.TERMINATION_MESSAGE_LIMIT) {
        throw new IllegalStateException("the final result has " + line.length
            + " bytes, over the kubelet's " + FinalResult.TERMINATION_MESSAGE_LIMIT);
      }
      Files.write(terminationLog, line);
    } catch (IOException e) {
      throw new TrainerException(ExitCode.RETRYABLE, "--termination-log: cannot write "
          + terminationLog + ": " + e.getMessage());
    }
  }
}
