package dev.finetune.trainer.data.fetch;

import java.io.IOException;
import java.nio.file.Path;

/** One URI scheme's way to a local file or folder; {@link Fetcher} picks one by scheme. */
interface UriSource {
  /**
   * A local file or folder for {@code base} (the URI without its #fragment); errors name {@code
   * field}. The URI's scheme has passed the {@link UriPolicy}.
   */
  Path fetch(String field, String base) throws IOException;
}
