package dev.finetune.trainer.data.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.TestArchives;
import dev.finetune.trainer.data.TestImages;
import dev.finetune.trainer.data.format.BadImageException;
import dev.finetune.trainer.data.format.ImageDecoder;
import dev.finetune.trainer.error.TrainerException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, classes 18 and 15 (archive messages): a small zip that expands to a huge "image" is
 * refused by the expansion ratio and leaves nothing in the cache; images are checked from their
 * header without reading them whole; FIFO and device tar entries are skipped, not written as empty
 * files; a truncated .tar.gz says so.
 */
class ArchiveBombTest {
  @TempDir Path dir;

  private Fetcher fetcher() {
    return new Fetcher(
        dir.resolve("cache"),
        b -> null,
        Fetcher.ALL_SCHEMES,
        Map.of(),
        ArchiveLimits.DEFAULT,
        new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(5)));
  }

  @Test
  void aSmallZipExpandingToAHugeImageIsRefusedAndTheCacheCleaned() throws Exception {
    Path zip = dir.resolve("bomb.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      z.putNextEntry(new ZipEntry("data/train/cat/huge.png"));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 100; i++) {
        z.write(zeros); // 100 MiB of zeros: about 100 KB compressed
      }
      z.closeEntry();
    }
    assertTrue(Files.size(zip) < 1 << 20, "the bomb is small: " + Files.size(zip));
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> fetcher().fetch("spec.dataset.train", zip.toUri() + "#data/train"));
    assertEquals(ExitCode.ARCHIVE_UNSAFE, e.exitCode(), e.getMessage());
    assertTrue(e.getMessage().contains("more than 100 times"), e.getMessage());
    try (Stream<Path> left = Files.walk(dir.resolve("cache"))) {
      assertEquals(
          List.of(),
          left.filter(Files::isRegularFile).toList(),
          "nothing of a failed extraction stays in the cache");
    }
  }

  @Test
  void anOversizedImageFileIsRefusedBeforeItIsRead() throws Exception {
    Path big = dir.resolve("big.png");
    try (OutputStream out = Files.newOutputStream(big)) {
      out.write(TestImages.encode(TestImages.rgb(4, 4, 1), "png"));
      out.write(new byte[3 << 20]);
    }
    ImageDecoder decoder = new ImageDecoder(100); // at most 100 px: 1 MiB + 400 bytes
    BadImageException e = assertThrows(BadImageException.class, () -> decoder.decode(big));
    assertTrue(e.getMessage().contains("more than an image of at most 100 pixels"), e.getMessage());
  }

  @Test
  void fifoAndDeviceTarEntriesAreSkipped() throws Exception {
    Path tar = dir.resolve("special.tar");
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
      for (byte flag :
          new byte[] {TarConstants.LF_FIFO, TarConstants.LF_CHR, TarConstants.LF_BLK}) {
        TarArchiveEntry e = new TarArchiveEntry("data/train/cat/special-" + flag + ".png", flag);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
      }
      byte[] png = TestImages.encode(TestImages.rgb(4, 4, 1), "png");
      TarArchiveEntry f = new TarArchiveEntry("data/train/cat/ok.png");
      f.setSize(png.length);
      t.putArchiveEntry(f);
      t.write(png);
      t.closeArchiveEntry();
    }
    Path out = dir.resolve("x");
    new ArchiveExtractor(ArchiveLimits.DEFAULT).extract(tar, "special.tar", out);
    try (Stream<Path> files = Files.walk(out)) {
      assertEquals(
          List.of("ok.png"),
          files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void aTruncatedTarGzSaysSo() throws Exception {
    Path full =
        TestArchives.tarGz(
            dir.resolve("full.tar.gz"),
            List.of(TestArchives.Entry.file("data/train/cat/1.png", new byte[200_000])));
    byte[] bytes = Files.readAllBytes(full);
    Path cut =
        Files.write(dir.resolve("cut.tar.gz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () ->
                new ArchiveExtractor(ArchiveLimits.DEFAULT)
                    .extract(cut, "cut.tar.gz", dir.resolve("y")));
    assertEquals(ExitCode.DATASET_INVALID, e.exitCode());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertFalse(e.getMessage().contains("null"), e.getMessage());
  }
}
