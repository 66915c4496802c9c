package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.base.Sha256;
import dev.finetune.trainer.cli.Main;
import dev.finetune.trainer.data.TestArchives;
import dev.finetune.trainer.storage.StderrCapture;
import dev.finetune.trainer.testing.JobYaml;
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

  static Stream<Arguments> failures() throws Exception {
    String test = data.resolve("test").toUri().toString();
    Path slip =
        TestArchives.zip(
            dir.resolve("slip.zip"), List.of(TestArchives.Entry.file("../../evil.jpg", "x")));
    return Stream.of(
        Arguments.of(2, JobYaml.small("usage").imageFolder(data), List.of("--grace-period", "-1")),
        Arguments.of(
            3, JobYaml.small("spec").imageFolder(data).lines("  suspend: maybe\n"), List.of()),
        Arguments.of(
            4,
            JobYaml.small("scheme").dataset("https://example.com/ds.zip", test),
            List.of("--allowed-schemes", "file")),
        Arguments.of(5, JobYaml.small("one-class").imageFolder(oneClass), List.of()),
        Arguments.of(6, JobYaml.small("slip").dataset(slip, test), List.of()),
        Arguments.of(
            7,
            JobYaml.small("weights").imageFolder(data).pretrained("file:///dev/zero"),
            List.of()),
        Arguments.of(
            9, JobYaml.small("missing").dataset(dir.resolve("nope/train"), test), List.of()),
        Arguments.of(
            10,
            JobYaml.small("storage").imageFolder(data).checkpoints("file:///proc/finetune-ckpt"),
            List.of()),
        Arguments.of(11, JobYaml.small("other").imageFolder(data), List.of()));
  }

  @ParameterizedTest(name = "exit {0}")
  @MethodSource("failures")
  void aFailingJobLeavesAnotherRunsOutputAlone(int code, JobYaml yaml, List<String> extra)
      throws Exception {
    Path job = yaml.write(dir.resolve(yaml.name() + ".yaml"));
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
