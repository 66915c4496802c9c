package dev.finetune.trainer.data.fetch;

/**
 * Decompression-bomb limits for {@link ArchiveExtractor}: total uncompressed bytes, number of
 * entries, and bytes of any one entry. Sizes are counted while extracting, not trusted from
 * headers.
 */
public record ArchiveLimits(long maxTotalBytes, long maxEntries, long maxEntryBytes) {
  /** 20 GiB in total, 1,000,000 entries, 4 GiB per entry. */
  public static final ArchiveLimits DEFAULT =
      new ArchiveLimits(20L << 30, 1_000_000L, 4L << 30);

  public ArchiveLimits {
    if (maxTotalBytes < 1 || maxEntries < 1 || maxEntryBytes < 1) {
      throw new IllegalArgumentException("archive limits must be positive");
    }
  }
}
