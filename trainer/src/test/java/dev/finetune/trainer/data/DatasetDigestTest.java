package dev.finetune.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DatasetDigestTest {
  @TempDir Path dir;

  static final Map<String, String> FILES =
      Map.of("a/1.png", "one", "a/2.png", "two", "b/3.png", "three");

  static Stream<Arguments> edits() {
    Consumer<Path> nothing = root -> {};
    return Stream.of(
        Arguments.of("same bytes elsewhere", nothing, true),
        Arguments.of(
            "one byte changed",
            (Consumer<Path>) root -> write(root.resolve("train"), "a/1.png", "onE"),
            false),
        Arguments.of(
            "file renamed", (Consumer<Path>) root -> move(root, "b/3.png", "b/4.png"), false),
        Arguments.of(
            "file moved to another class",
            (Consumer<Path>) root -> move(root, "b/3.png", "a/3.png"),
            false),
        Arguments.of(
            "file added",
            (Consumer<Path>) root -> write(root.resolve("train"), "b/5.png", ""),
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  void digestFollowsNamesAndBytes(String name, Consumer<Path> edit, boolean same)
      throws IOException {
    Path a = tree(dir.resolve("a"));
    Path b = tree(dir.resolve("b"));
    edit.accept(b);
    String da = digest(a);
    String db = digest(b);
    if (same) {
      assertEquals(da, db);
    } else {
      assertNotEquals(da, db);
    }
  }

  @Test
  void aSingleFileCountsAsItsName() throws IOException {
    Path f = Files.writeString(dir.resolve("train.gz"), "x");
    assertEquals(
        List.of(
            "train\ttrain.gz\t1\t"
                + "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\n"),
        DatasetDigest.lines("train", f));
  }

  static String digest(Path root) {
    List<String> lines = new ArrayList<>(DatasetDigest.lines("train", root.resolve("train")));
    lines.addAll(DatasetDigest.lines("test", root.resolve("test")));
    return DatasetDigest.digest(lines);
  }

  static Path tree(Path root) throws IOException {
    for (String split : List.of("train", "test")) {
      for (var e : FILES.entrySet()) {
        write(root.resolve(split), e.getKey(), e.getValue());
      }
    }
    return root;
  }

  static void write(Path base, String name, String content) {
    try {
      Path p = base.resolve(name);
      Files.createDirectories(p.getParent());
      Files.writeString(p, content);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void move(Path root, String from, String to) {
    try {
      Path target = root.resolve("train").resolve(to);
      Files.createDirectories(target.getParent());
      Files.move(root.resolve("train").resolve(from), target);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
