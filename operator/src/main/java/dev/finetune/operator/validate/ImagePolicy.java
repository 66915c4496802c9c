package dev.finetune.operator.validate;

import dev.finetune.api.v1alpha1.FineTuneJob;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which images {@code spec.image} may name (finetune.operator.trainer-allowed-images): each entry
 * is an exact image reference, or a prefix ending in {@code *} ({@code registry.example.com/ml/*}).
 * Unset or blank: any image, as before the setting existed. A job without {@code spec.image} runs
 * the operator's own trainer images and is never refused.
 */
public record ImagePolicy(List<String> allowed) {
  public static final ImagePolicy ANY = new ImagePolicy(List.of());
  static final String SETTING = "finetune.operator.trainer-allowed-images";

  public static ImagePolicy parse(Optional<String> setting) {
    return new ImagePolicy(
        setting
            .map(
                s ->
                    Arrays.stream(s.split(","))
                        .map(String::strip)
                        .filter(e -> !e.isEmpty())
                        .toList())
            .orElse(List.of()));
  }

  public boolean allows(String image) {
    return allowed.isEmpty()
        || allowed.stream()
            .anyMatch(
                e ->
                    e.endsWith("*")
                        ? image.startsWith(e.substring(0, e.length() - 1))
                        : image.equals(e));
  }

  /** The problem with {@code ftj}'s spec.image under this policy, if any. */
  public Optional<Validation.Invalid> check(FineTuneJob ftj) {
    String image = ftj.getSpec() == null ? null : ftj.getSpec().image;
    if (image == null || image.isBlank() || allows(image)) {
      return Optional.empty();
    }
    return Optional.of(
        new Validation.Invalid(
            "spec.image",
            "\""
                + image
                + "\" is not allowed"
                + " by this operator; allowed: "
                + String.join(", ", allowed)
                + " ("
                + SETTING
                + "); or leave spec.image unset to run the operator's trainer image"));
  }
}
