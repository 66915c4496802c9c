package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code file:///abs/path}: the file or folder itself; a local archive is hashed in place and
 * extracted once into the {@link DownloadCache}, never copied.
 */
final class FileSource implements UriSource {
  private final DownloadCache cache;

  FileSource(DownloadCache cache) {
    this.cache = cache;
  }

  @Override
  public Path fetch(String field, String base) throws IOException {
    String raw = base.substring("file://".length());
    Path p;
    try {
      p = raw.contains("%") ? Path.of(URI.create(base)) : Path.of(raw);
    } catch (RuntimeException e) {
      p = Path.of(raw);
    }
    if (!p.isAbsolute()) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          "file URI '" + base + "' must be absolute," + " like file:///data/train");
    }
    if (!Files.exists(p)) {
      throw new TrainerException(ExitCode.NOT_FOUND, base + ": no such file or directory");
    }
    if (Files.isRegularFile(p) && ArchiveExtractor.isArchive(p.getFileName().toString())) {
      return cache.extractedLocal(p, base);
    }
    return p;
  }
}
