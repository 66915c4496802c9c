package dev.finetune.trainer.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds zip and tar.gz archives for tests, including hostile ones. */
public final class TestArchives {
  private TestArchives() {}

  /** An entry: a file with bytes, a directory (name ends in /), or a link (linkTo != null). */
  public record Entry(String name, byte[] bytes, String linkTo, boolean hard) {
    public static Entry file(String name, byte[] bytes) {
      return new Entry(name, bytes, null, false);
    }

    public static Entry file(String name, String text) {
      return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    public static Entry symlink(String name, String target) {
      return new Entry(name, null, target, false);
    }

    public static Entry hardlink(String name, String target) {
      return new Entry(name, null, target, true);
    }
  }

  public static Path zip(Path out, List<Entry> entries) throws IOException {
    return zip(out, entries, "UTF-8");
  }

  public static Path zip(Path out, List<Entry> entries, String encoding) throws IOException {
    try (ZipArchiveOutputStream z = new ZipArchiveOutputStream(Files.newOutputStream(out))) {
      z.setEncoding(encoding);
      z.setUseLanguageEncodingFlag(encoding.equals("UTF-8"));
      z.setCreateUnicodeExtraFields(ZipArchiveOutputStream.UnicodeExtraFieldPolicy.NEVER);
      for (Entry e : entries) {
        ZipArchiveEntry ze = new ZipArchiveEntry(e.name());
        byte[] data = e.bytes();
        if (e.linkTo() != null) {
          ze.setUnixMode(UnixStat.LINK_FLAG | 0777);
          data = e.linkTo().getBytes(StandardCharsets.UTF_8);
        }
        z.putArchiveEntry(ze);
        if (data != null) {
          z.write(data);
        }
        z.closeArchiveEntry();
      }
    }
    return out;
  }

  public static Path tarGz(Path out, List<Entry> entries) throws IOException {
    try (OutputStream f = Files.newOutputStream(out);
        GzipCompressorOutputStream gz = new GzipCompressorOutputStream(f);
        TarArchiveOutputStream t = new TarArchiveOutputStream(gz, "UTF-8")) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Entry e : entries) {
        TarArchiveEntry te;
        if (e.linkTo() != null) {
          te =
              new TarArchiveEntry(
                  e.name(), e.hard() ? TarConstants.LF_LINK : TarConstants.LF_SYMLINK, true);
          te.setLinkName(e.linkTo());
        } else {
          te = new TarArchiveEntry(e.name(), true);
          if (e.bytes() != null) {
            te.setSize(e.bytes().length);
          }
        }
        t.putArchiveEntry(te);
        if (e.linkTo() == null && e.bytes() != null) {
          t.write(e.bytes());
        }
        t.closeArchiveEntry();
      }
    }
    return out;
  }

  /** Every regular file under dir as (relative path, bytes), for zipping a generated tree. */
  public static List<Entry> tree(Path dir, String prefix) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .sorted()
          .map(
              p -> {
                try {
                  return Entry.file(
                      prefix + dir.relativize(p).toString().replace('\\', '/'),
                      Files.readAllBytes(p));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .toList();
    }
  }
}
