package dev.finetune.images;

import dev.finetune.testsupport.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's Fashion-MNIST (package dataset-fashion-mnist) put into an s3proxy bucket's folder: the
 * filesystem backend serves files as objects, so this is the upload step of the README.
 */
final class FashionMnist {
  static final Path FOLDER = Path.of("/usr/share/datasets/fashion-mnist");
  static final List<String> FILES =
      List.of(
          "train-images-idx3-ubyte.gz",
          "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz");

  private FashionMnist() {}

  /** Fails (or, opted in, skips) the calling test when the package is missing. */
  static void require() {
    Required.present(Files.isDirectory(FOLDER), FOLDER + " (Debian's dataset-fashion-mnist)");
  }

  /** Copies the four files into {@code folder} (created if needed). */
  static void copyTo(Path folder) throws IOException {
    Files.createDirectories(folder);
    for (String f : FILES) {
      Files.copy(FOLDER.resolve(f), folder.resolve(f));
    }
  }
}
