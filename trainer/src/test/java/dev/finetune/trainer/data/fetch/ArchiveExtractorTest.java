package dev.finetune.trainer.data.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.data.TestArchives;
import dev.finetune.trainer.data.TestArchives.Entry;
import dev.finetune.trainer.error.TrainerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveExtractorTest {
  @TempDir Path dir;

  private final ArchiveExtractor extractor = new ArchiveExtractor(ArchiveLimits.DEFAULT);

  private TrainerException unsafe(Path archive, ArchiveExtractor x) {
    TrainerException e =
        assertThrows(
            TrainerException.class,
            () -> x.extract(archive, archive.getFileName().toString(), dir.resolve("out")));
    assertEquals(ExitCode.ARCHIVE_UNSAFE, e.exitCode(), e.getMessage());
    return e;
  }

  @Test
  void extractsZipAndTarGz() throws Exception {
    List<Entry> entries =
        List.of(
            Entry.file("a/b.txt", "hello"),
            Entry.file("./c.txt", "x"),
            new Entry("d/", null, null, false));
    Path zip = TestArchives.zip(dir.resolve("t.zip"), entries);
    extractor.extract(zip, "t.zip", dir.resolve("z"));
    assertEquals("hello", Files.readString(dir.resolve("z/a/b.txt")));
    assertTrue(Files.isDirectory(dir.resolve("z/d")));
    Path tgz = TestArchives.tarGz(dir.resolve("t.tgz"), entries);
    extractor.extract(tgz, "t.tgz", dir.resolve("t"));
    assertEquals("x", Files.readString(dir.resolve("t/c.txt")));
  }

  @Test
  void zipSlipIsRejected() throws Exception {
    Path zip =
        TestArchives.zip(
            dir.resolve("slip.zip"),
            List.of(Entry.file("ok.txt", "a"), Entry.file("../../evil.txt", "b")));
    TrainerException e = unsafe(zip, extractor);
    assertTrue(e.getMessage().contains("../../evil.txt"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("evil.txt")));
  }

  @Test
  void absoluteAndBackslashNamesAreRejected() throws Exception {
    unsafe(
        TestArchives.tarGz(dir.resolve("abs.tar.gz"), List.of(Entry.file("/etc/x", "a"))),
        extractor);
    unsafe(
        TestArchives.zip(dir.resolve("bs.zip"), List.of(Entry.file("a\\..\\..\\x", "a"))),
        extractor);
  }

  @Test
  void linksOutsideAreRejected() throws Exception {
    TrainerException e =
        unsafe(
            TestArchives.tarGz(
                dir.resolve("l.tgz"), List.of(Entry.symlink("a/link", "../../etc/passwd"))),
            extractor);
    assertTrue(e.getMessage().contains("a/link"), e.getMessage());
    unsafe(
        TestArchives.tarGz(dir.resolve("l2.tgz"), List.of(Entry.symlink("l", "/etc/passwd"))),
        extractor);
    unsafe(
        TestArchives.tarGz(dir.resolve("h.tgz"), List.of(Entry.hardlink("h", "../x"))), extractor);
    unsafe(TestArchives.zip(dir.resolve("l.zip"), List.of(Entry.symlink("l", "../x"))), extractor);
  }

  @Test
  void linksInsideBecomeCopies() throws Exception {
    Path tgz =
        TestArchives.tarGz(
            dir.resolve("in.tgz"),
            List.of(
                Entry.file("d/f.txt", "data"),
                Entry.symlink("d/s.txt", "f.txt"),
                Entry.hardlink("h.txt", "d/f.txt"),
                Entry.symlink("dirlink", "d")));
    extractor.extract(tgz, "in.tgz", dir.resolve("o"));
    assertFalse(Files.isSymbolicLink(dir.resolve("o/d/s.txt")));
    assertEquals("data", Files.readString(dir.resolve("o/d/s.txt")));
    assertEquals("data", Files.readString(dir.resolve("o/h.txt")));
    assertFalse(Files.exists(dir.resolve("o/dirlink")));
  }

  @Test
  void bombLimits() throws Exception {
    byte[] zeros = new byte[10_000];
    Path zip =
        TestArchives.zip(
            dir.resolve("bomb.zip"),
            List.of(Entry.file("a", zeros), Entry.file("b", zeros), Entry.file("c", zeros)));
    assertTrue(Files.size(zip) < 1000);
    TrainerException perEntry =
        unsafe(zip, new ArchiveExtractor(new ArchiveLimits(1 << 20, 10, 5_000)));
    assertTrue(perEntry.getMessage().contains("'a'"), perEntry.getMessage());
    TrainerException total =
        unsafe(zip, new ArchiveExtractor(new ArchiveLimits(25_000, 10, 20_000)));
    assertTrue(total.getMessage().contains("'c'"), total.getMessage());
    TrainerException count =
        unsafe(
            TestArchives.tarGz(
                dir.resolve("n.tgz"),
                List.of(Entry.file("a", zeros), Entry.file("b", zeros), Entry.file("c", zeros))),
            new ArchiveExtractor(new ArchiveLimits(1 << 20, 2, 1 << 20)));
    assertTrue(count.getMessage().contains("2 entries"), count.getMessage());
  }

  @Test
  void nonUtf8NamesDoNotCrash() throws Exception {
    Path zip =
        TestArchives.zip(
            dir.resolve("latin1.zip"),
            List.of(Entry.file("caf\u00e9/x\u00ff.txt", "v")),
            "ISO-8859-1");
    extractor.extract(zip, "latin1.zip", dir.resolve("u"));
    try (Stream<Path> s = Files.walk(dir.resolve("u"))) {
      List<Path> files = s.filter(Files::isRegularFile).toList();
      assertEquals(1, files.size());
      assertArrayEquals("v".getBytes(), Files.readAllBytes(files.get(0)));
    }
  }

  @Test
  void corruptArchivesAreDatasetInvalid() throws Exception {
    for (String name : List.of("bad.zip", "bad.tar.gz", "bad.tar")) {
      Path p =
          Files.write(
              dir.resolve(name), "this is not an archive at all, sorry".repeat(30).getBytes());
      TrainerException e =
          assertThrows(
              TrainerException.class,
              () -> extractor.extract(p, "s3://b/" + name, dir.resolve("o-" + name)));
      assertEquals(ExitCode.DATASET_INVALID, e.exitCode(), name + ": " + e.getMessage());
      assertTrue(e.getMessage().contains("s3://b/" + name), e.getMessage());
    }
  }

  @Test
  void nonUtf8TarNamesDoNotCrash() throws Exception {
    Path tar = dir.resolve("latin1.tar");
    try (var t =
        new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
            Files.newOutputStream(tar), "ISO-8859-1")) {
      var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("d\u00e9j\u00e0.png");
      e.setSize(1);
      t.putArchiveEntry(e);
      t.write('z');
      t.closeArchiveEntry();
    }
    extractor.extract(tar, "latin1.tar", dir.resolve("t"));
    try (Stream<Path> s = Files.walk(dir.resolve("t"))) {
      assertEquals(1, s.filter(Files::isRegularFile).count());
    }
  }
}
