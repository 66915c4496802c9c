package dev.finetune.trainer.data.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.TestDatasets;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, classes 14 and 17: symbolic links inside the dataset folder are followed (a symlinked
 * class folder was "no images"), links out of it are refused or skipped; errors do not echo file
 * contents or long folder listings.
 */
class SymlinkAndEchoTest {
  @TempDir Path dir;

  @Test
  void symlinkedClassFoldersInsideTheDatasetAreFollowed() throws Exception {
    Path train = dir.resolve("train");
    TestDatasets.imageFolder(train.resolve(".pool"), 2, "dog");
    TestDatasets.imageFolder(train, 2, "cat");
    Files.createSymbolicLink(train.resolve("dog"), Path.of(".pool/dog"));
    Map<String, List<Path>> classes = ImageFolderReader.scan(train, "spec.dataset.train");
    assertEquals(List.of("cat", "dog"), List.copyOf(classes.keySet()));
    assertEquals(2, classes.get("dog").size());
  }

  @Test
  void linksOutOfTheDatasetAreRefusedOrSkipped() throws Exception {
    Path outside = TestDatasets.imageFolder(dir.resolve("elsewhere"), 2, "dog");
    Path train = dir.resolve("train");
    TestDatasets.imageFolder(train, 2, "cat");
    Files.createSymbolicLink(train.resolve("dog"), outside.resolve("dog"));
    TrainerException e =
        assertThrows(
            TrainerException.class, () -> ImageFolderReader.scan(train, "spec.dataset.train"));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode());
    assertTrue(
        e.getMessage().contains("'dog' is a symbolic link to a folder outside"), e.getMessage());

    Files.delete(train.resolve("dog"));
    Files.createSymbolicLink(
        train.resolve("cat/secret.png"), outside.resolve("dog").resolve("0.png"));
    assertEquals(
        2,
        ImageFolderReader.scan(train, "spec.dataset.train").get("cat").size(),
        "an image linking outside is skipped");
  }

  @Test
  void idxErrorsDoNotEchoTheFilesBytes() throws Exception {
    Path text =
        Files.writeString(
            dir.resolve("passwd-images-idx3-ubyte"), "root:x:0:0:root:/root:/bin/bash\n");
    Path labels = Files.writeString(dir.resolve("passwd-labels-idx1-ubyte"), "daemon:x:1:1\n");
    TrainerException e = assertThrows(TrainerException.class, () -> IdxReader.read(text, labels));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode());
    String hexOfRoot = String.format("%08x", 0x726f6f74); // "root"
    assertFalse(e.getMessage().contains(hexOfRoot), e.getMessage());
    assertFalse(e.getMessage().contains("root:"), e.getMessage());
  }

  @Test
  void classMismatchDoesNotListASystemFolder() throws Exception {
    Path train = dir.resolve("sys");
    for (int i = 0; i < 30; i++) {
      TestDatasets.imageFolder(train, 1, "etc-entry-" + i);
    }
    Path test = TestDatasets.imageFolder(dir.resolve("test"), 1, "cat", "dog");
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () ->
                ImageFolderReader.classes(
                    ImageFolderReader.scan(train, "spec.dataset.train"),
                    ImageFolderReader.scan(test, "spec.dataset.test"),
                    null));
    assertTrue(e.getMessage().contains("only in spec.dataset.train 30 folder(s)"), e.getMessage());
    assertFalse(e.getMessage().contains("etc-entry"), e.getMessage());
    assertTrue(e.getMessage().contains("[cat, dog]"), "short lists are still named");
  }
}
