package dev.finetune.api.v1alpha1.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** A fixed list of values. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Categorical {
  @Required
  @Size(max = 1000)
  @JsonPropertyDescription(
      "The values, in the order grid search visits them; no duplicates; at" + " most 1000.")
  public List<String> choices = new ArrayList<>();
}
