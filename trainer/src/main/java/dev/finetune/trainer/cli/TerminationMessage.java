package dev.finetune.trainer.cli;

import dev.finetune.contract.FinalResult;
import dev.finetune.contract.StorageLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The final numbers in the container's termination message: the compact form of result.json ({@link
 * FinalResult}), read back from the result.json just written, so both say the same.
 */
final class TerminationMessage {
  private static final Logger LOG = LoggerFactory.getLogger(TerminationMessage.class);

  private TerminationMessage() {}

  static void write(Path terminationLog, Path output) {
    try {
      FinalResult result =
          FinalResult.fromResultJson(Files.readAllBytes(output.resolve(StorageLayout.RESULT_FILE)))
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          StorageLayout.RESULT_FILE + " has no finished epoch"));
      byte[] line = result.toJson().getBytes(StandardCharsets.UTF_8);
      if (line.length > FinalResult.TERMINATION_MESSAGE_LIMIT) {
        throw new IllegalStateException(
            "the final result has "
                + line.length
                + " bytes, over the kubelet's "
                + FinalResult.TERMINATION_MESSAGE_LIMIT);
      }
      Files.write(terminationLog, line);
    } catch (IOException e) {
      // The job has succeeded and its result.json is in storage next to the final model, where
      // the operator falls back to: a missing termination message must not turn it into a retry.
      LOG.warn(
          "--termination-log: cannot write {}"
              + " ({}); the operator reads the result from model/result.json instead",
          terminationLog,
          e.toString());
    }
  }
}
