package dev.finetune.trainer.data.format;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads the imagefolder layout {@code root/CLASS/**.{jpg,jpeg,png}} (extensions
 * case-insensitive, sub-folders of a class folder included, like torchvision's ImageFolder).
 * Hidden files and folders (name starting with '.') and {@code __MACOSX} are skipped; other
 * files are ignored. Files are ordered by path.
 */
public final class ImageFolderReader {
  private ImageFolderReader() {}

  /** Class folder name to its image files (may be empty lists), classes sorted by name. */
  public static Map<String, List<Path>> scan(Path root, String field) {
    if (!Files.isDirectory(root)) {
      throw new TrainerException(ExitCode.DATASET_INVALID, field + ": " + root + " is not a"
          + " folder; imagefolder needs ROOT/CLASS/*.jpg|jpeg|png (use '#sub/path' to point"
          + " inside an archive)");
    }
    Map<String, List<Path>> classes = new TreeMap<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.filter(Files::isDirectory).toList()) {
        String name = d.getFileName().toString();
        if (hidden(name)) {
          continue;
        }
        classes.put(name, images(d));
      }
    } catch (IOException e) {
      throw new TrainerException(ExitCode.DATASET_INVALID, field + ": cannot list " + root + ": "
          + e.getMessage(), e);
    }
    if (classes.isEmpty()) {
      throw new TrainerException(ExitCode.DATASET_INVALID, field + ": " + root + " has no class"
          + " folders; imagefolder needs ROOT/CLASS/*.jpg|jpeg|png");
    }
    return classes;
  }

  private static boolean hidden(String name) {
    return name.startsWith(".") || name.equals("__MACOSX");
  }

  private static List<Path> images(Path classDir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(classDir)) {
      for (Path p : s.sorted(Comparator.comparing(Path::toString)).toList()) {
        Path rel = classDir.relativize(p);
        boolean skip = false;
        for (Path part : rel) {
          skip |= hidden(part.toString());
        }
        if (!skip && Files.isRegularFile(p) && isImage(p.getFileName().toString())) {
          out.add(p);
        }
      }
    }
    return out;
  }

  static boolean isImage(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
  }

  /**
   * The class list: {@code requested} (spec.dataset.classes) if given, each of which must exist
   * in both splits; otherwise every class, sorted, and train and test must have the same set.
   */
  public static List<String> classes(Map<String, List<Path>> train, Map<String, List<Path>> test,
      List<String> requested) {
    if (requested != null && !requested.isEmpty()) {
      checkDistinct(requested);
      for (String c : requested) {
        if (!train.containsKey(c)) {
          throw unknown(c, "spec.dataset.train", train.keySet());
        }
        if (!test.containsKey(c)) {
          throw unknown(c, "spec.dataset.test", test.keySet());
        }
      }
      return List.copyOf(requested);
    }
    if (!train.keySet().equals(test.keySet())) {
      Set<String> onlyTrain = new TreeSet<>(train.keySet());
      onlyTrain.removeAll(test.keySet());
      Set<String> onlyTest = new TreeSet<>(test.keySet());
      onlyTest.removeAll(train.keySet());
      throw new TrainerException(ExitCode.DATASET_INVALID, "train and test have different class"
          + " folders: only in spec.dataset.train " + onlyTrain + ", only in spec.dataset.test "
          + onlyTest + " (or choose classes with spec.dataset.classes)");
    }
    return List.copyOf(train.keySet());
  }

  public static void checkDistinct(List<String> requested) {
    Set<String> seen = new HashSet<>();
    for (String c : requested) {
      if (c == null || !seen.add(c)) {
        throw new TrainerException(ExitCode.INVALID_SPEC, "spec.dataset.classes lists '" + c
            + "' twice or as null; each class must appear once");
      }
    }
  }

  static TrainerException unknown(String c, String field, Set<String> available) {
    return new TrainerException(ExitCode.DATASET_INVALID, "spec.dataset.classes names '" + c
        + "', which is not a class of " + field + "; available: " + new LinkedHashSet<>(
        new TreeSet<>(available)));
  }
}
