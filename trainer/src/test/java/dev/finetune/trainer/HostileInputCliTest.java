package dev.finetune.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.testsupport.SyntheticImageFolder;
import dev.finetune.trainer.cli.Main;
import dev.finetune.trainer.storage.StderrCapture;
import dev.finetune.trainer.testing.JobYaml;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: hostile inputs through the real CLI (in-process), each ending in one "error:" line and
 * its documented exit code before any training, never a stack trace or an OutOfMemoryError.
 */
class HostileInputCliTest {
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void data() throws IOException {
    data = SyntheticImageFolder.write(dir.resolve("ds"), 3, 2, 16, 3);
  }

  record Run(int code, String err) {}

  static Run train(JobYaml yaml) {
    Path job = yaml.write(dir.resolve(yaml.name() + ".yaml"));
    try (StderrCapture err = new StderrCapture()) {
      int code =
          Main.run(
              "train",
              job.toString(),
              "--output",
              dir.resolve("out-" + job.getFileName()).toString(),
              "--metrics-port=-1",
              "--no-progress",
              "--cache-dir",
              dir.resolve("cache").toString());
      return new Run(code, err.text());
    }
  }

  static void oneLine(Run r, int code, String contains) {
    assertEquals(code, r.code(), r.err());
    assertTrue(r.err().contains("error: "), r.err());
    assertTrue(r.err().contains(contains), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(r.err().contains("epoch 1/"), "refused before training: " + r.err());
  }

  @Test
  void hugeOrEndlessPretrainedWeightsAreRefused() throws Exception {
    Path zeros = dir.resolve("zeros.safetensors");
    try (RandomAccessFile f = new RandomAccessFile(zeros.toFile(), "rw")) {
      f.setLength(3L << 30);
    }
    for (String uri : new String[] {zeros.toUri().toString(), "file:///dev/zero"}) {
      JobYaml job =
          JobYaml.small("weights" + Math.abs(uri.hashCode()))
              .imageFolder(data)
              .architecture("resnet18")
              .pretrained(uri);
      oneLine(train(job), 7, uri);
    }
  }

  @Test
  void corruptTestImagesFailBeforeTraining() throws Exception {
    Path ds = SyntheticImageFolder.write(dir.resolve("corrupt"), 3, 2, 16, 4);
    Path testCircle = ds.resolve("test/circle");
    try (var files = Files.list(testCircle)) {
      Path victim = files.sorted().findFirst().orElseThrow();
      Files.write(victim, "this is not a JPEG at all".getBytes());
    }
    JobYaml job = JobYaml.small("corrupt").imageFolder(ds).architecture("resnet18");
    oneLine(train(job), 5, "spec.dataset.test: 1 of 6 images cannot be decoded");
  }
}
