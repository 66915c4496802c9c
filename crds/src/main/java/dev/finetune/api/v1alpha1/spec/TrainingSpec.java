package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.List;

/** SGD recipe, torch.optim.SGD semantics. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingSpec {
  /** The largest training.epochs the CRD admits. */
  public static final int MAX_EPOCHS = 10000;

  @Min(1)
  @Max(MAX_EPOCHS)
  @JsonPropertyDescription("Passes over the training split.")
  public Integer epochs = 5;

  @Min(1)
  @Max(65536)
  @JsonPropertyDescription("Images per optimisation step.")
  public Integer batchSize = 32;

  @Min(0)
  @Max(10)
  @JsonPropertyDescription("SGD learning rate of every copied (pretrained) layer.")
  public Double learningRate = 0.001;

  /** headLearningRateMultiplier when the spec leaves it out (d2l's 10). */
  public static final double DEFAULT_HEAD_MULTIPLIER = 10.0;

  @Min(0)
  @Max(1000)
  @JsonPropertyDescription(
      "The new output layer learns at learningRate times this (default 10, as d2l)."
          + " Ignored when training from scratch; not with recipe: auto.")
  public Double headLearningRateMultiplier;

  @JsonPropertyDescription(
      "fixed (default): freeze and headLearningRateMultiplier as written. auto: before the"
          + " fine-tune, a 2-fold probe on the training split tries freeze depths (none,"
          + " layer1, layer2, layer3) x head multipliers (1, 10, 100) within 20% of the run's"
          + " compute and fine-tunes with the best by validation accuracy; needs"
          + " model.pretrained, and neither freeze nor headLearningRateMultiplier.")
  public RecipeMode recipe;

  @Min(0)
  @Max(1)
  @JsonPropertyDescription("L2 penalty added to every trainable parameter's gradient.")
  public Double weightDecay = 0.0;

  @Min(0)
  @Max(0.999)
  @JsonPropertyDescription("SGD momentum (0 = plain SGD).")
  public Double momentum = 0.0;

  @JsonPropertyDescription("mean (torch default) or sum (d2l: gradients summed over the batch).")
  public LossReduction lossReduction = LossReduction.MEAN;

  @JsonPropertyDescription(
      "torchvision module prefixes to freeze, e.g. [conv1, bn1, layer1,"
          + " layer2]. Their weights and BatchNorm statistics stay fixed.")
  public List<String> freeze = List.of();

  @Min(1)
  @Max(10000)
  @JsonPropertyDescription(
      "Evaluate on the test split every N epochs; the last epoch is always" + " evaluated.")
  public Integer evalEveryEpochs = 1;

  @Min(0)
  @JsonPropertyDescription("Seeds initialisation, few-shot sampling, data order and augmentation.")
  public Long seed = 0L;

  /** The head multiplier a fixed recipe uses: the spec's, else {@link #DEFAULT_HEAD_MULTIPLIER}. */
  public double headMultiplierOrDefault() {
    return headLearningRateMultiplier != null
        ? headLearningRateMultiplier
        : DEFAULT_HEAD_MULTIPLIER;
  }

  /** True for recipe: auto. */
  public boolean autoRecipe() {
    return recipe == RecipeMode.AUTO;
  }
}
