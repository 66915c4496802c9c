package dev.finetune.trainer.data;

import dev.finetune.trainer.data.split.Split;
import java.util.List;

/** The classes (label i is {@code classes.get(i)}) and the two splits of a dataset. */
public record LoadedDataset(List<String> classes, Split train, Split test) {
  public LoadedDataset {
    classes = List.copyOf(classes);
  }
}
