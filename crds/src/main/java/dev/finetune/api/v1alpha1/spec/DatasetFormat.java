package dev.finetune.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

/** On-disk dataset layouts the trainer reads. */
public enum DatasetFormat {
  /** train/CLASS/*.jpg|png and test/CLASS/*.jpg|png. */
  @JsonProperty("imagefolder")
  IMAGEFOLDER,
  /** MNIST-style gzipped IDX files: *-images-idx3-ubyte.gz and *-labels-idx1-ubyte.gz. */
  @JsonProperty("idx")
  IDX
}
