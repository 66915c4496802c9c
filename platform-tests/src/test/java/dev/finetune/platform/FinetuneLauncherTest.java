package dev.finetune.platform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/finetune starts the trainer's JVM as a trainer pod does: the heap ceiling and, for {@code
 * train}, the young generation sized from the manifest ({@code finetune java-options}), unless
 * FINETUNE_JAVA_OPTS says otherwise. The trainer logs what the JVM made of them.
 */
class FinetuneLauncherTest {
  static final String JOB =
      """
      apiVersion: finetune.dev/v1alpha1
      kind: FineTuneJob
      metadata:
        name: launcher
      spec:
        model:
          architecture: resnet18
        dataset:
          format: idx
          train: "file:///usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
          test: "file:///usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
          classes: ["0", "1"]
          limitPerClass: 4
        transforms:
          train: {resize: 16}
          test: {resize: 16}
        training:
          epochs: 1
          batchSize: 4
          seed: 0
      """;

  @Test
  void trainGetsThePodsYoungGenerationAndFinetuneJavaOptsReplacesIt(@TempDir Path dir)
      throws IOException {
    Path root = Tools.root();
    Tools.missing(
        !Files.isRegularFile(root.resolve("trainer/target/finetune-trainer.jar")),
        "trainer/target/finetune-trainer.jar is missing; build it with mvn -DskipTests package");
    Tools.missing(
        !Files.isRegularFile(
            Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")),
        "dataset-fashion-mnist is missing; run bin/setup");
    Path job = Files.writeString(dir.resolve("job.yaml"), JOB);
    String finetune = root.resolve("bin/finetune").toString();

    String options =
        Tools.run(
                root,
                120,
                "env",
                "-u",
                "FINETUNE_JAVA_OPTS",
                finetune,
                "java-options",
                job.toString())
            .assertOk("bin/finetune java-options")
            .output()
            .strip();
    assertTrue(options.matches("-XX:MaxRAMPercentage=50 -Xmn\\d+m"), options);
    int young =
        Integer.parseInt(options.substring(options.indexOf("-Xmn") + 4, options.length() - 1));

    // G1 rounds the young generation to its region size (up to 32 MiB); left to itself it would
    // be up to 60 % of the heap, gigabytes here.
    String train = train(root, dir.resolve("a"), job, "env", "-u", "FINETUNE_JAVA_OPTS", finetune);
    assertTrue(Math.abs(loggedYoung(train) - young) <= 32, young + " MiB asked:\n" + train);

    String custom =
        train(root, dir.resolve("b"), job, "env", "FINETUNE_JAVA_OPTS=-Xmx512m -Xmn48m", finetune);
    assertTrue(Math.abs(loggedYoung(custom) - 48) <= 2, custom);
  }

  /** The trainer's start-up line: "JVM heap at most N MiB, young generation M MiB". */
  static int loggedYoung(String log) {
    var m = java.util.regex.Pattern.compile("young generation (\\d+) MiB").matcher(log);
    assertTrue(m.find(), log);
    return Integer.parseInt(m.group(1));
  }

  static String train(Path root, Path out, Path job, String... launcher) {
    var command = new java.util.ArrayList<>(java.util.List.of(launcher));
    command.addAll(
        java.util.List.of(
            "train",
            job.toString(),
            "--output",
            out.toString(),
            "--metrics-port",
            "-1",
            "--no-progress"));
    return Tools.run(root, 600, command).assertOk(String.join(" ", command)).output();
  }
}
