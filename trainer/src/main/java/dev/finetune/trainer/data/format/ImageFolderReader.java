package dev.finetune.trainer.data.format;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads the imagefolder layout {@code root/CLASS/**.{jpg,jpeg,png}} (extensions case-insensitive,
 * sub-folders of a class folder included, like torchvision's ImageFolder). Hidden files and folders
 * (name starting with '.') and {@code __MACOSX} are skipped; other files are ignored. Files are
 * ordered by path. Symbolic links are followed inside the dataset folder; a class folder linking
 * outside it is refused, and image links outside are skipped.
 */
public final class ImageFolderReader {
  private ImageFolderReader() {}

  /** Class folder name to its image files (may be empty lists), classes sorted by name. */
  public static Map<String, List<Path>> scan(Path root, String field) {
    if (!Files.isDirectory(root)) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          field
              + ": "
              + root
              + " is not a"
              + " folder; imagefolder needs ROOT/CLASS/*.jpg|jpeg|png (use '#sub/path' to point"
              + " inside an archive)");
    }
    Map<String, List<Path>> classes = new TreeMap<>();
    try (Stream<Path> dirs = Files.list(root)) {
      Path realRoot = root.toRealPath();
      for (Path d : dirs.filter(Files::isDirectory).toList()) {
        String name = d.getFileName().toString();
        if (hidden(name)) {
          continue;
        }
        checkName(name, root, field);
        if (!d.toRealPath().startsWith(realRoot)) {
          throw new TrainerException(
              ExitCode.DATASET_INVALID,
              field
                  + ": class folder '"
                  + name
                  + "' is a symbolic link to a folder outside "
                  + root
                  + "; symbolic links"
                  + " are followed only inside the dataset folder");
        }
        classes.put(name, images(d, realRoot, field));
      }
    } catch (java.nio.file.FileSystemLoopException e) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID, field + ": " + root + " has a loop of" + " symbolic links", e);
    } catch (java.io.UncheckedIOException e) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          field + ": cannot list " + root + " (" + e.getCause().getClass().getSimpleName() + ")",
          e);
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          field + ": cannot list " + root + " (" + e.getClass().getSimpleName() + ")",
          e);
    }
    if (classes.isEmpty()) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          field
              + ": "
              + root
              + " has no class"
              + " folders; imagefolder needs ROOT/CLASS/*.jpg|jpeg|png");
    }
    return classes;
  }

  /**
   * A class folder's name is the class name, text in job status and the model's metadata: bytes
   * that are not valid UTF-8 (or not valid in this JVM's file name encoding) decode to U+FFFD, and
   * the name no longer leads back to the folder. Refused naming the folder, not its images.
   */
  static void checkName(String name, Path root, String field) {
    if (name.indexOf('\uFFFD') >= 0 || !Files.isDirectory(root.resolve(name))) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          field
              + ": class folder name '"
              + name.replaceAll("[^\\x20-\\x7E]", "?")
              + "' is not valid UTF-8 (file name encoding "
              + System.getProperty("sun.jnu.encoding")
              + "); rename the folder: class names must be"
              + " UTF-8 text");
    }
  }

  private static boolean hidden(String name) {
    return name.startsWith(".") || name.equals("__MACOSX");
  }

  /**
   * The images under a class folder. Symbolic links (the class folder itself, sub-folders, files)
   * are followed when they stay inside the dataset folder {@code realRoot}; files they lead outside
   * of it are skipped with a warning.
   */
  private static List<Path> images(Path classDir, Path realRoot, String field) throws IOException {
    List<Path> out = new ArrayList<>();
    int outside = 0;
    try (Stream<Path> s = Files.walk(classDir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
      for (Path p : s.sorted(Comparator.comparing(Path::toString)).toList()) {
        Path rel = classDir.relativize(p);
        boolean skip = false;
        for (Path part : rel) {
          skip |= hidden(part.toString());
        }
        if (!skip && Files.isRegularFile(p) && isImage(p.getFileName().toString())) {
          if (p.toRealPath().startsWith(realRoot)) {
            out.add(p);
          } else {
            outside++;
          }
        }
      }
    }
    if (outside > 0) {
      org.slf4j.LoggerFactory.getLogger(ImageFolderReader.class)
          .warn(
              "{}: skipped {} image(s)"
                  + " in {} that are symbolic links to outside the dataset folder",
              field,
              outside,
              classDir.getFileName());
    }
    return out;
  }

  static boolean isImage(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
  }

  /**
   * The class list: {@code requested} (spec.dataset.classes) if given, each of which must exist in
   * both splits; otherwise every class, sorted, and train and test must have the same set.
   */
  public static List<String> classes(
      Map<String, List<Path>> train, Map<String, List<Path>> test, List<String> requested) {
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
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "train and test have different class"
              + " folders: only in spec.dataset.train "
              + names(onlyTrain)
              + ", only in"
              + " spec.dataset.test "
              + names(onlyTest)
              + " (or choose classes with"
              + " spec.dataset.classes)");
    }
    return List.copyOf(train.keySet());
  }

  /**
   * Folder names for a message: at most 10, and only names that look like class names, so a URI
   * pointing at a system folder does not echo its listing into logs and job status.
   */
  static String names(java.util.Collection<String> names) {
    boolean plain = names.stream().allMatch(n -> n.matches("[A-Za-z0-9][A-Za-z0-9 _.+-]{0,63}"));
    if (names.size() > 10 || !plain) {
      return names.size() + " folder(s)";
    }
    return names.toString();
  }

  public static void checkDistinct(List<String> requested) {
    Set<String> seen = new HashSet<>();
    for (String c : requested) {
      if (c == null || !seen.add(c)) {
        throw new TrainerException(
            ExitCode.INVALID_SPEC,
            "spec.dataset.classes lists '" + c + "' twice or as null; each class must appear once");
      }
    }
  }

  static TrainerException unknown(String c, String field, Set<String> available) {
    return new TrainerException(
        ExitCode.DATASET_INVALID,
        "spec.dataset.classes names '"
            + c
            + "', which is not a class of "
            + field
            + "; available: "
            + names(new TreeSet<>(available)));
  }
}
