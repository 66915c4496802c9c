package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Exactly one of four spaces. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = SearchSpace.EXACTLY_ONE,
    message = "set exactly one of uniform, logUniform, integer or categorical")
public class SearchSpace {
  /** A sum, not a filtered list: the API server's cost estimate for a list macro is too high. */
  public static final String EXACTLY_ONE =
      "(has(self.uniform) ? 1 : 0)"
          + " + (has(self.logUniform) ? 1 : 0) + (has(self.integer) ? 1 : 0)"
          + " + (has(self.categorical) ? 1 : 0) == 1";

  @JsonPropertyDescription("Real numbers spread evenly between min and max.")
  public RealRange uniform;

  @JsonPropertyDescription(
      "Positive real numbers spread evenly on a log scale between min and"
          + " max (learning rates).")
  public RealRange logUniform;

  @JsonPropertyDescription("Integers from min to max, step apart.")
  public IntegerRange integer;

  @JsonPropertyDescription(
      "A list of values, each written as the field's value in YAML would be"
          + " read (0.01, true, sum); a list field takes comma-separated items (conv1,bn1,layer1) and"
          + " \"\" for an empty list.")
  public Categorical categorical;

  public static SearchSpace uniform(double min, double max, Integer gridPoints) {
    SearchSpace s = new SearchSpace();
    s.uniform = new RealRange(min, max, gridPoints);
    return s;
  }

  public static SearchSpace logUniform(double min, double max, Integer gridPoints) {
    SearchSpace s = new SearchSpace();
    s.logUniform = new RealRange(min, max, gridPoints);
    return s;
  }

  public static SearchSpace integer(long min, long max, Long step) {
    SearchSpace s = new SearchSpace();
    s.integer = new IntegerRange(min, max, step);
    return s;
  }

  public static SearchSpace categorical(String... choices) {
    SearchSpace s = new SearchSpace();
    s.categorical = new Categorical();
    s.categorical.choices = java.util.List.of(choices);
    return s;
  }
}
