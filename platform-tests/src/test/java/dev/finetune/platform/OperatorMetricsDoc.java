package dev.finetune.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docs/OPERATOR.md's "Metrics" table against what a running operator exposes: every {@code
 * finetune_operator_} series family in the scrape must have a row, and every row must be in the
 * scrape unless its text says the series exists only at times ("exists only").
 */
final class OperatorMetricsDoc {
  static final Pattern ROW = Pattern.compile("^\\| `(finetune_operator_[a-z_]+)` \\|(.*)$");
  static final Pattern SAMPLE = Pattern.compile("^(finetune_operator_[a-z_]+)[{ ]");
  static final Pattern SUFFIX = Pattern.compile("_(total|count|sum|bucket|created|max)$");

  private OperatorMetricsDoc() {}

  /** The families a Prometheus exposition has: sample names without their type suffixes. */
  static Set<String> scraped(String exposition) {
    Set<String> out = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (m.find()) {
        out.add(SUFFIX.matcher(m.group(1)).replaceFirst(""));
      }
    }
    return out;
  }

  /** What is wrong between the doc's table and the scrape; empty when they agree. */
  static List<String> problems(String exposition, Path doc) throws IOException {
    Set<String> scraped = scraped(exposition);
    Set<String> documented = new TreeSet<>();
    Set<String> sometimes = new TreeSet<>();
    for (String line : Files.readAllLines(doc)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        documented.add(m.group(1));
        if (m.group(2).contains("exists only")) {
          sometimes.add(m.group(1));
        }
      }
    }
    List<String> problems = new ArrayList<>();
    for (String s : scraped) {
      if (!documented.contains(s)) {
        problems.add(s + " is exposed but has no row in " + doc.getFileName() + "'s Metrics");
      }
    }
    for (String d : documented) {
      if (!scraped.contains(d) && !sometimes.contains(d)) {
        problems.add(
            d + " has a row in " + doc.getFileName() + " but the operator does not" + " expose it");
      }
    }
    if (documented.isEmpty()) {
      problems.add("no finetune_operator_ rows found in " + doc);
    }
    return problems;
  }
}
