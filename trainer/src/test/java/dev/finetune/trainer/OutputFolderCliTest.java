package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.base.Sha256;
import dev.finetune.trainer.cli.Main;
import dev.finetune.trainer.data.TestArchives;
import dev.finetune.trainer.storage.StderrCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 24: a job that fails must never delete another run's files in the same --output folder. The
 * folder holds a finished run's result.json (and its model); every failure the CLI can reach
 * without training, one per exit code, leaves it byte for byte. On the code before the fix, the
 * failures inside the runner (4, 5, 6, 7, 9) deleted result.json.
 */
class OutputFolderCliTest {
  @TempDir static Path dir;
  static Path data;
  static Path oneClass;

  @BeforeAll
  static void data() throws Exception {
    data = SyntheticImageFolder.write(dir.resolve("ds"), 3, 2, 16, 3);
    oneClass = dir.resolve("one-class");
    for (String split : List.of("train", "test")) {
      Path c = Files.createDirectories(oneClass.resolve(split).resolve("circle"));
      try (Stream<Path> s = Files.list(data.resolve(split).resolve("circle"))) {
        for (Path f : s.toList()) {
          Files.copy(f, c.resolve(f.getFileName()));
        }
      }
    }
  }

  static Path job(String name, String train, String test, String extra) throws Exception {
    Path f = dir.resolve(name + ".yaml");
    Files.writeString(
        f,
        """
        apiVersion: finetune.dev/v1alpha1
        kind: FineTuneJob
        metadata: {name: %s}
        spec:
          dataset: {train: "%s", test: "%s"}
          transforms: {train: {resize: 16}, test: {resize: 16}}
          training: {epochs: 1, batchSize: 4}
        %s"""
            .formatted(name, train, test, extra));
    return f;
  }

  static Stream<Arguments> failures() throws Exception {
    String train = data.resolve("train").toUri().toString();
    String test = data.resolve("test").toUri().toString();
    Path slip =
        TestArchives.zip(
            dir.resolve("slip.zip"), List.of(TestArchives.Entry.file("../../evil.jpg", "x")));
    return Stream.of(
        Arguments.of(2, job("usage", train, test, ""), List.of("--grace-period", "-1")),
        Arguments.of(3, job("spec", train, test, "  suspend: maybe\n"), List.of()),
        Arguments.of(
            4,
            job("scheme", "https://example.com/ds.zip", test, ""),
            List.of("--allowed-schemes", "file")),
        Arguments.of(
            5,
            job(
                "one-class",
                oneClass.resolve("train").toUri().toString(),
                oneClass.resolve("test").toUri().toString(),
                ""),
            List.of()),
        Arguments.of(6, job("slip", slip.toUri().toString(), test, ""), List.of()),
        Arguments.of(
            7,
            job("weights", train, test, "  model: {pretrained: {uri: \"file:///dev/zero\"}}\n"),
            List.of()),
        Arguments.of(
            9, job("missing", dir.resolve("nope/train").toUri().toString(), test, ""), List.of()),
        Arguments.of(
            10,
            job("storage", train, test, "  checkpoints: {uri: \"file:///proc/finetune-ckpt\"}\n"),
            List.of()),
        Arguments.of(11, job("other", train, test, ""), List.of()));
  }

  @ParameterizedTest(name = "exit {0}")
  @MethodSource("failures")
  void aFailingJobLeavesAnotherRunsOutputAlone(int code, Path job, List<String> extra)
      throws Exception {
    Path out = Files.createDirectories(dir.resolve("out-" + code));
    Files.write(
        out.resolve("result.json"), OutputFolderTest.result(OutputFolderTest.identity("finished")));
    Files.createDirectories(out.resolve("finetune"));
    Files.writeString(out.resolve("finetune/model.safetensors"), "the finished run's model");
    Map<String, String> before = snapshot(out);
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                job.toString(),
                "--output",
                out.toString(),
                "--metrics-port=-1",
                "--no-progress",
                "--cache-dir",
                dir.resolve("cache").toString()));
    args.addAll(extra);
    String err;
    int exit;
    try (StderrCapture capture = new StderrCapture()) {
      exit = Main.run(args.toArray(String[]::new));
      err = capture.text();
    }
    assertEquals(code, exit, err);
    assertFalse(err.contains("\tat "), err);
    assertEquals(before, snapshot(out), "exit " + code + " changed another run's output");
  }

  static Map<String, String> snapshot(Path root) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        files.put(
            root.relativize(p).toString(),
            Files.isRegularFile(p) ? Sha256.hex(Files.readAllBytes(p)) : "folder");
      }
    }
    return files;
  }
}
