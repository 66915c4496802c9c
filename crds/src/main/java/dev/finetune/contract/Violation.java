package dev.finetune.contract;

/** One problem in a FineTuneJob: the field to fix and what is wrong and allowed. */
public record Violation(String field, String problem) {
  /** "field: problem", the line every entry point shows. */
  public String text() {
    return field + ": " + problem;
  }
}
