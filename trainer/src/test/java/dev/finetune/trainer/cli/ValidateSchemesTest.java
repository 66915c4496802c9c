package dev.finetune.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.UriSchemes;
import dev.finetune.trainer.storage.StderrCapture;
import dev.finetune.trainer.testing.JobYaml;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code validate --cluster} judges URIs by the cluster's allowlist, deploy/base's by default: the
 * same list as the contract's, so a manifest that passes {@code --cluster} is not refused by the
 * trainer pod (exit 4).
 */
class ValidateSchemesTest {
  @TempDir Path dir;

  Path job(String train) {
    return JobYaml.job("j")
        .architecture("resnet18")
        .dataset(train, "s3://data/test.zip")
        .checkpoints("s3://ckpt/j")
        .write(dir.resolve("job.yaml"));
  }

  static int run(StringBuilder err, String... args) {
    try (StderrCapture capture = new StderrCapture()) {
      int code = Main.run(args);
      err.append(capture.text());
      return code;
    }
  }

  @Test
  void theDefaultIsDeployBasesList() {
    String defaultValue =
        new CommandLine(new ValidateCommand())
            .getCommandSpec()
            .findOption("--allowed-schemes")
            .defaultValue();
    assertEquals(UriSchemes.CLUSTER_DEFAULT, UriSchemes.parse(defaultValue));
  }

  @Test
  void aFileDatasetPassesOnThisMachineButNotInADeployBaseCluster() throws Exception {
    Path job = job("file:///data/train.zip");
    StringBuilder err = new StringBuilder();
    assertEquals(0, run(err, "validate", job.toString()), err.toString());
    assertEquals(3, run(err, "validate", "--cluster", job.toString()));
    assertTrue(
        err.toString()
            .contains(
                "spec.dataset.train: scheme 'file' is not allowed in this"
                    + " cluster; allowed: http, https, s3, hf (finetune.operator.trainer-allowed-schemes)"),
        err.toString());
    assertEquals(
        0,
        run(
            new StringBuilder(),
            "validate",
            "--cluster",
            "--allowed-schemes",
            "file,https,s3",
            job.toString()),
        "a cluster whose operator allows file");
    assertEquals(
        0,
        run(
            new StringBuilder(),
            "validate",
            "--cluster",
            job("http://data.example.com/train.zip").toString()),
        "deploy/base admits http");
  }

  /** A hostile --allowed-schemes: one line, exit 2 (USAGE); an empty list means every scheme. */
  @Test
  void aBadSchemeListIsAUsageErrorInOneLine() throws Exception {
    Path job = job("file:///data/train.zip");
    StringBuilder err = new StringBuilder();
    assertEquals(
        2, run(err, "validate", "--cluster", "--allowed-schemes", "ftp,s3", job.toString()));
    assertEquals(
        1, err.toString().lines().filter(l -> l.startsWith("error: ")).count(), err.toString());
    assertTrue(
        !err.toString().contains("\tat ") && err.toString().contains("exit code 2"),
        "one error line and the exit code, no stack trace: " + err);
    assertTrue(
        err.toString().contains("'ftp' is not one of [file, hf, http, https, s3]"), err.toString());
    assertEquals(
        0,
        run(
            new StringBuilder(),
            "validate",
            "--cluster",
            "--allowed-schemes",
            " , ",
            job.toString()),
        "an empty list allows every scheme the trainer reads, as in train");
  }
}
