package dev.finetune.trainer.data;

import dev.finetune.api.v1alpha1.spec.DatasetFormat;
import dev.finetune.api.v1alpha1.spec.DatasetSpec;
import dev.finetune.trainer.base.Sha256;
import dev.finetune.trainer.data.fetch.Fetcher;
import dev.finetune.trainer.data.format.IdxReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The lineage digest of a dataset: {@code sha256:<hex>} over one line per fetched file, {@code
 * <split>\t<path>\t<size>\t<sha256>\n}, sorted by path within each split (train, test, then
 * validation if it has a uri of its own). Paths are relative to what the split's URI names (a file
 * counts as its own name), so the same bytes give the same digest wherever they were fetched from.
 * Class selection and the few-shot limit are not part of it: they are in the spec.
 */
public final class DatasetDigest {
  private DatasetDigest() {}

  /**
   * Fetches (from the cache, after {@link DatasetLoader#load}) and digests both splits, and
   * spec.dataset.validation.uri's split after them when there is one (a held-out fraction is in the
   * spec, like limitPerClass), so a job without one keeps its digest.
   */
  public static String of(DatasetSpec spec, Fetcher fetcher) {
    List<String> lines = new ArrayList<>();
    boolean idx = spec.format == DatasetFormat.IDX;
    List<String[]> splits =
        new ArrayList<>(
            List.of(new String[] {"train", spec.train}, new String[] {"test", spec.test}));
    if (spec.validation != null && spec.validation.uri != null) {
      splits.add(new String[] {"validation", spec.validation.uri});
    }
    for (String[] split : splits) {
      lines.addAll(lines(split[0], fetcher.fetch(split[1])));
      if (idx) {
        lines.addAll(
            lines(
                split[0],
                fetcher.fetch(IdxReader.labelsFor(split[1], "spec.dataset." + split[0]))));
      }
    }
    return digest(lines);
  }

  /** The lines of one split rooted at {@code root} (a directory or a single file). */
  static List<String> lines(String split, Path root) {
    try {
      if (Files.isRegularFile(root)) {
        return List.of(line(split, root.getFileName().toString(), root));
      }
      try (Stream<Path> walk = Files.walk(root)) {
        List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
        List<String> out = new ArrayList<>();
        for (Path f : files) {
          out.add(line(split, root.relativize(f).toString().replace('\\', '/'), f));
        }
        return out;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String digest(List<String> lines) {
    MessageDigest md = Sha256.digest();
    for (String l : lines) {
      md.update(l.getBytes(StandardCharsets.UTF_8));
    }
    return "sha256:" + Sha256.hex(md);
  }

  private static String line(String split, String name, Path file) throws IOException {
    return split + "\t" + name + "\t" + Files.size(file) + "\t" + Sha256.hex(file) + "\n";
  }
}
