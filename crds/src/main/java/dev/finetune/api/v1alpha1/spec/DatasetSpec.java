package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** Where the target data lives and which part of it to use. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatasetSpec {
  @JsonPropertyDescription("imagefolder (train/CLASS/*.jpg|png) or idx (MNIST-style gzipped IDX).")
  public DatasetFormat format = DatasetFormat.IMAGEFOLDER;

  @Required
  @JsonPropertyDescription(
      "Training split. imagefolder: a directory, .zip or .tar.gz over file://,"
          + " https:// or s3://, with an optional '#sub/path' inside it. idx: the images file"
          + " (*-images-idx3-ubyte[.gz]); labels are read from the matching *-labels-idx1-ubyte[.gz].")
  public String train;

  @Required
  @JsonPropertyDescription("Test split, same rules as train. Never augmented.")
  public String test;

  @JsonPropertyDescription(
      "Validation split, for model choice (a FineTuneSweep's objective):"
          + " a fraction held out from train or a uri. Default: none. Never the test split.")
  public ValidationSpec validation;

  @JsonPropertyDescription(
      "Classes to use, in label order. Default: every class, sorted by name"
          + " (imagefolder) or by label (idx).")
  public List<String> classes;

  @JsonPropertyDescription(
      "idx only: names of labels 0..N-1, e.g. Fashion-MNIST's ten names."
          + " Default: \"0\", \"1\", ...")
  public List<String> labelNames;

  @Min(1)
  @Max(10000000)
  @JsonPropertyDescription(
      "Few-shot: keep at most this many training images per class, chosen"
          + " with training.seed. The test split is never limited.")
  public Integer limitPerClass;

  @Min(0)
  @Max(100)
  @JsonPropertyDescription(
      "Percent of undecodable training images tolerated (skipped with a"
          + " warning) before the job fails.")
  public Integer maxBadImagesPercent = 1;
}
