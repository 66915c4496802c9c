package dev.finetune.trainer.data;

import dev.finetune.trainer.data.split.Split;
import java.util.List;

/**
 * The classes (label i is {@code classes.get(i)}) and the splits of a dataset; validation is null
 * without spec.dataset.validation.
 */
public record LoadedDataset(List<String> classes, Split train, Split test, Split validation) {
  public LoadedDataset {
    classes = List.copyOf(classes);
  }

  public LoadedDataset(List<String> classes, Split train, Split test) {
    this(classes, train, test, null);
  }
}
