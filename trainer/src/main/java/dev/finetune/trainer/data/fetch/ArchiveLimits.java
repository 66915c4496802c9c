package dev.finetune.trainer.data.fetch;

/**
 * Decompression-bomb limits for {@link ArchiveExtractor}: total uncompressed bytes, number of
 * entries, bytes of any one entry, and the expansion ratio (uncompressed bytes per archive byte,
 * beyond the first {@link #RATIO_FREE_BYTES}). Sizes are counted while extracting, not trusted from
 * headers.
 */
public record ArchiveLimits(
    long maxTotalBytes, long maxEntries, long maxEntryBytes, long maxExpansionRatio) {
  /** 20 GiB in total, 1,000,000 entries, 4 GiB per entry, 100 times the archive's size. */
  public static final ArchiveLimits DEFAULT =
      new ArchiveLimits(20L << 30, 1_000_000L, 4L << 30, 100);

  /**
   * Extraction may always reach this many bytes, whatever the ratio: small archives of very
   * compressible files (tests, IDX) are fine.
   */
  public static final long RATIO_FREE_BYTES = 64L << 20;

  public ArchiveLimits {
    if (maxTotalBytes < 1 || maxEntries < 1 || maxEntryBytes < 1 || maxExpansionRatio < 1) {
      throw new IllegalArgumentException("archive limits must be positive");
    }
  }

  /** With the default expansion ratio (100). */
  public ArchiveLimits(long maxTotalBytes, long maxEntries, long maxEntryBytes) {
    this(maxTotalBytes, maxEntries, maxEntryBytes, 100);
  }

  /** The most bytes an archive of {@code archiveBytes} may expand to. */
  public long maxExpandedBytes(long archiveBytes) {
    long byRatio =
        archiveBytes > Long.MAX_VALUE / maxExpansionRatio
            ? Long.MAX_VALUE
            : archiveBytes * maxExpansionRatio;
    return Math.min(maxTotalBytes, Math.max(RATIO_FREE_BYTES, byRatio));
  }
}
