package dev.finetune.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The final numbers of a finished job, the same as the trainer's {@code result.json}, in the
 * compact form the trainer writes to its termination message (at most 4 KiB; this is about 500
 * bytes). The operator reads it from the termination message, or else from {@link
 * StorageLayout#RESULT} in object storage ({@link #fromResultJson}), and fills status from it. One
 * class on both sides.
 *
 * @param format {@link #FORMAT}; a message with another value is not a result
 * @param finetune the fine-tune run
 * @param baseline the from-scratch baseline, or null
 * @param accuracyGain finetune minus baseline test accuracy, or null without a baseline
 * @param recipe training.recipe: auto's choice in one line (result.json's recipe.summary), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FinalResult(
    String format, Run finetune, Run baseline, Double accuracyGain, String recipe) {
  /** Without an auto recipe. */
  public FinalResult(String format, Run finetune, Run baseline, Double accuracyGain) {
    this(format, finetune, baseline, accuracyGain, null);
  }

  /** Marks a termination message as a result (not an error line or a log tail). */
  public static final String FORMAT = "finetune.dev/result-v1";

  /** status.resultSource: the final numbers came from the trainer's termination message. */
  public static final String SOURCE_TERMINATION_MESSAGE = "TerminationMessage";

  /** status.resultSource: they came from {@link StorageLayout#RESULT} in object storage. */
  public static final String SOURCE_OBJECT_STORAGE = "ObjectStorage";

  /** The kubelet keeps at most this many bytes of a termination message. */
  public static final int TERMINATION_MESSAGE_LIMIT = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One run's last epoch. Accuracies are 0-1; testAccuracy is null when the last epoch was not
   * evaluated. validationAccuracy and validationLoss (mean cross-entropy per image) are the newest
   * evaluated epoch's numbers on spec.dataset.validation (validationEpoch: which epoch), null
   * without one.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Run(
      int epoch,
      int totalEpochs,
      long step,
      Double trainLoss,
      Double trainAccuracy,
      Double testAccuracy,
      Double imagesPerSecond,
      Double validationAccuracy,
      Double validationLoss,
      Integer validationEpoch) {
    /** Without validation numbers. */
    public Run(
        int epoch,
        int totalEpochs,
        long step,
        Double trainLoss,
        Double trainAccuracy,
        Double testAccuracy,
        Double imagesPerSecond) {
      this(
          epoch,
          totalEpochs,
          step,
          trainLoss,
          trainAccuracy,
          testAccuracy,
          imagesPerSecond,
          null,
          null,
          null);
    }
  }

  /** The compact single-line JSON written to the termination message. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A termination message that is a result; empty for anything else (an error, a log tail). */
  public static Optional<FinalResult> parse(String message) {
    if (message == null || !message.strip().startsWith("{")) {
      return Optional.empty();
    }
    try {
      FinalResult r = JSON.readValue(message.strip(), FinalResult.class);
      return FORMAT.equals(r.format()) && r.finetune() != null ? Optional.of(r) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The same numbers from the trainer's full {@code result.json} (finetune and baseline with their
   * per-epoch history, accuracyGain); empty if it does not parse or has no epoch.
   */
  public static Optional<FinalResult> fromResultJson(byte[] resultJson) {
    try {
      JsonNode root = JSON.readTree(resultJson);
      Optional<Run> finetune = run(root.path("finetune"));
      if (finetune.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new FinalResult(
              FORMAT,
              finetune.get(),
              run(root.path("baseline")).orElse(null),
              number(root.path("accuracyGain")),
              root.path("recipe").path("summary").isTextual()
                  ? abbreviate(root.path("recipe").path("summary").asText())
                  : null));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** status.recipe is one line; the table is in result.json and the model card. */
  private static String abbreviate(String s) {
    return s.length() <= 240 ? s : s.substring(0, 237) + "...";
  }

  private static Optional<Run> run(JsonNode run) {
    JsonNode epochs = run.path("epochs");
    if (!epochs.isArray() || epochs.isEmpty()) {
      return Optional.empty();
    }
    JsonNode last = epochs.get(epochs.size() - 1);
    JsonNode validated = null;
    for (int i = epochs.size() - 1; i >= 0 && validated == null; i--) {
      if (number(epochs.get(i).path("validationAccuracy")) != null) {
        validated = epochs.get(i);
      }
    }
    return Optional.of(
        new Run(
            last.path("epoch").asInt(),
            epochs.size(),
            last.path("step").asLong(),
            number(last.path("trainLoss")),
            number(last.path("trainAccuracy")),
            number(run.path("testAccuracy")),
            number(last.path("imagesPerSecond")),
            validated == null ? null : number(validated.path("validationAccuracy")),
            validated == null ? null : number(validated.path("validationLoss")),
            validated == null ? null : validated.path("epoch").asInt()));
  }

  /** A finite number, else null (Jackson writes NaN as the string "NaN"). */
  private static Double number(JsonNode n) {
    return n.isNumber() && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
  }
}
