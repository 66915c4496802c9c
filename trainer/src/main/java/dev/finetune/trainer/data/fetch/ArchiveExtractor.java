package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.base.InputFile;
import dev.finetune.trainer.error.TrainerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.archivers.zip.ZipMethod;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Safely extracts .zip, .tar, .tar.gz and .tgz archives with commons-compress.
 *
 * <p>Refused with ARCHIVE_UNSAFE, naming the entry: absolute names, names with a {@code ..}
 * component or NUL, symbolic or hard links whose target leaves the archive, and archives over the
 * {@link ArchiveLimits}. Links that stay inside are never created as links: after extraction their
 * target file is copied in their place (links to directories or to missing entries are skipped with
 * a warning), so nothing can be written through a link. Devices and FIFOs are skipped. Names that
 * are not valid UTF-8, or that the file system cannot represent, get the offending characters
 * replaced by '_'.
 */
public final class ArchiveExtractor {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveExtractor.class);
  private static final int MAX_LINK_HOPS = 40;

  private final ArchiveLimits limits;

  public ArchiveExtractor(ArchiveLimits limits) {
    this.limits = limits;
  }

  /** Whether the file name ends in .zip, .tar, .tar.gz or .tgz (case-insensitive). */
  public static boolean isArchive(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".zip") || n.endsWith(".tar") || n.endsWith(".tar.gz") || n.endsWith(".tgz");
  }

  /**
   * Extracts {@code archive} into the empty or missing directory {@code target}. The format comes
   * from the archive's file name, or from {@code name} (the URI, shown in messages) when the file
   * name has no archive extension.
   */
  public void extract(Path archive, String name, Path target) {
    long archiveBytes;
    InputFile.requireRegular(archive, "archive " + name, ExitCode.DATASET_INVALID);
    try {
      archiveBytes = Files.size(archive);
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "cannot read archive " + name + " (" + e.getClass().getSimpleName() + ")",
          e);
    }
    Job job = new Job(name, target, limits.maxExpandedBytes(archiveBytes), archiveBytes);
    String fileName = archive.getFileName().toString();
    String format = (isArchive(fileName) ? fileName : name).toLowerCase(Locale.ROOT);
    try {
      Files.createDirectories(target);
      if (format.endsWith(".zip")) {
        extractZip(archive, job);
      } else {
        extractTar(archive, job, !format.endsWith(".tar"));
      }
      job.materializeLinks();
    } catch (java.io.EOFException e) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "archive "
              + name
              + " is truncated:"
              + " it ends in the middle of an entry (an interrupted download or copy?)",
          e);
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.DATASET_INVALID,
          "cannot read archive "
              + name
              + ": "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : printable(e.getMessage())),
          e);
    }
  }

  /** Zip methods commons-compress reads without optional libraries. */
  private static final java.util.Set<Integer> ZIP_METHODS =
      java.util.Set.of(
          ZipMethod.STORED.getCode(), ZipMethod.DEFLATED.getCode(),
          ZipMethod.ENHANCED_DEFLATED.getCode(), ZipMethod.BZIP2.getCode());

  private void extractZip(Path archive, Job job) throws IOException {
    try (ZipFile zip =
        ZipFile.builder()
            .setPath(archive)
            .setCharset(StandardCharsets.UTF_8)
            .setUseUnicodeExtraFields(true)
            .get()) {
      Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
      while (entries.hasMoreElements()) {
        ZipArchiveEntry e = entries.nextElement();
        job.countEntry(e.getName());
        List<String> parts = job.parts(e.getName());
        if (parts.isEmpty()) {
          continue;
        }
        if (!e.isDirectory() && !ZIP_METHODS.contains(e.getMethod())) {
          // Zstandard, XZ and LZMA need optional libraries that are not on the class path:
          // commons-compress would fail with NoClassDefFoundError (found by fuzzing).
          throw new TrainerException(
              ExitCode.DATASET_INVALID,
              "zip entry '"
                  + printable(e.getName())
                  + "' in "
                  + job.name
                  + " uses compression method "
                  + e.getMethod()
                  + "; supported: stored, deflate, deflate64, bzip2 (re-zip it)");
        }
        if (e.isUnixSymlink()) {
          String link;
          try (InputStream in = zip.getInputStream(e)) {
            link = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
          }
          job.link(e.getName(), parts, link, false);
        } else if (e.isDirectory()) {
          Files.createDirectories(job.path(parts));
        } else {
          if (e.getSize() > limits.maxEntryBytes()) {
            throw job.tooBig(e.getName(), e.getSize());
          }
          try (InputStream in = zip.getInputStream(e)) {
            job.write(e.getName(), parts, in);
          }
        }
      }
    }
  }

  private void extractTar(Path archive, Job job, boolean gzip) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
    try (InputStream in =
            gzip
                ? GzipCompressorInputStream.builder()
                    .setInputStream(raw)
                    .setDecompressConcatenated(true)
                    .get()
                : raw;
        TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8")) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        job.countEntry(e.getName());
        List<String> parts = job.parts(e.getName());
        if (parts.isEmpty()) {
          continue;
        }
        if (e.isSymbolicLink()) {
          job.link(e.getName(), parts, e.getLinkName(), false);
        } else if (e.isLink()) {
          job.link(e.getName(), parts, e.getLinkName(), true);
        } else if (e.isDirectory()) {
          Files.createDirectories(job.path(parts));
        } else if (e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice()) {
          LOG.warn(
              "{}: skipping special entry {} (a FIFO or device, not a file)",
              job.name,
              printable(e.getName()));
        } else if (e.isFile()) {
          job.write(e.getName(), parts, tar);
        } else {
          LOG.warn(
              "{}: skipping special entry {} (not a file, directory or link)",
              job.name,
              e.getName());
        }
      }
    }
  }

  /** One extraction: running totals, extracted files and pending links. */
  private final class Job {
    final String name;
    final Path root;
    long entries;
    long total;
    final Map<String, Path> files = new LinkedHashMap<>();
    final Map<String, String> links = new LinkedHashMap<>();

    final long maxExpanded;
    final long archiveBytes;

    Job(String name, Path root, long maxExpanded, long archiveBytes) {
      this.name = name;
      this.root = root;
      this.maxExpanded = maxExpanded;
      this.archiveBytes = archiveBytes;
    }

    TrainerException unsafe(String entry, String why) {
      return new TrainerException(
          ExitCode.ARCHIVE_UNSAFE, name + ": entry '" + printable(entry) + "' " + why);
    }

    TrainerException tooBig(String entry, long size) {
      return unsafe(
          entry,
          "is larger than the per-entry limit of "
              + limits.maxEntryBytes()
              + " bytes ("
              + size
              + "+ bytes)");
    }

    void countEntry(String entry) {
      if (++entries > limits.maxEntries()) {
        throw unsafe(entry, "exceeds the limit of " + limits.maxEntries() + " entries");
      }
    }

    /** The entry's path components; rejects absolute names and '..'. */
    List<String> parts(String entry) {
      if (entry.indexOf('\0') >= 0) {
        throw unsafe(entry, "has a NUL character in its name");
      }
      String n = entry.replace('\\', '/');
      if (n.startsWith("/") || n.matches("^[A-Za-z]:.*")) {
        throw unsafe(entry, "has an absolute path; only relative names are allowed");
      }
      List<String> parts = new ArrayList<>();
      for (String p : n.split("/")) {
        if (p.isEmpty() || p.equals(".")) {
          continue;
        }
        if (p.equals("..")) {
          throw unsafe(entry, "contains '..' and would escape the extraction folder");
        }
        parts.add(p);
      }
      return parts;
    }

    Path path(List<String> parts) {
      Path p = root;
      for (String s : parts) {
        p = p.resolve(fsName(s));
      }
      Path norm = p.normalize();
      if (!norm.startsWith(root)) {
        throw unsafe(String.join("/", parts), "escapes the extraction folder");
      }
      return norm;
    }

    void write(String entry, List<String> parts, InputStream in) throws IOException {
      Path out = path(parts);
      Files.createDirectories(out.getParent());
      byte[] buf = new byte[1 << 16];
      long size = 0;
      try (OutputStream os = Files.newOutputStream(out)) {
        int r;
        while ((r = in.read(buf)) > 0) {
          size += r;
          total += r;
          if (size > limits.maxEntryBytes()) {
            throw tooBig(entry, size);
          }
          if (total > limits.maxTotalBytes()) {
            throw unsafe(
                entry,
                "takes the archive over the limit of "
                    + limits.maxTotalBytes()
                    + " uncompressed bytes");
          }
          if (total > maxExpanded) {
            throw unsafe(
                entry,
                "takes the archive over "
                    + maxExpanded
                    + " uncompressed bytes,"
                    + " more than "
                    + limits.maxExpansionRatio()
                    + " times its "
                    + archiveBytes
                    + " bytes (a decompression bomb?)");
          }
          os.write(buf, 0, r);
        }
      }
      String key = String.join("/", parts);
      files.put(key, out);
      links.remove(key);
    }

    void link(String entry, List<String> parts, String target, boolean hard) {
      if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
        throw unsafe(entry, "is a link with an empty or invalid target");
      }
      String t = target.replace('\\', '/');
      if (t.startsWith("/") || t.matches("^[A-Za-z]:.*")) {
        throw unsafe(
            entry,
            "is a link to the absolute path '" + printable(target) + "' outside the archive");
      }
      Deque<String> stack = new ArrayDeque<>();
      if (!hard) {
        stack.addAll(parts.subList(0, parts.size() - 1));
      }
      for (String p : t.split("/")) {
        if (p.isEmpty() || p.equals(".")) {
          continue;
        }
        if (p.equals("..")) {
          if (stack.isEmpty()) {
            throw unsafe(
                entry,
                "is a link to '" + printable(target) + "', which points outside the archive");
          }
          stack.removeLast();
        } else {
          stack.addLast(p);
        }
      }
      String key = String.join("/", parts);
      links.put(key, String.join("/", stack));
      path(parts);
    }

    void materializeLinks() throws IOException {
      for (Map.Entry<String, String> l : links.entrySet()) {
        String target = l.getValue();
        for (int hop = 0; hop < MAX_LINK_HOPS && links.containsKey(target); hop++) {
          target = links.get(target);
        }
        Path src = files.get(target);
        if (src == null || !Files.isRegularFile(src)) {
          LOG.warn(
              "{}: skipping link {} -> {} (target is not a file in the archive)",
              name,
              printable(l.getKey()),
              printable(l.getValue()));
          continue;
        }
        long size = Files.size(src);
        total += size;
        if (total > limits.maxTotalBytes()) {
          throw unsafe(
              l.getKey(),
              "takes the archive over the limit of "
                  + limits.maxTotalBytes()
                  + " uncompressed bytes");
        }
        if (total > maxExpanded) {
          throw unsafe(
              l.getKey(),
              "takes the archive over "
                  + maxExpanded
                  + " uncompressed"
                  + " bytes, more than "
                  + limits.maxExpansionRatio()
                  + " times its size");
        }
        Path out = path(List.of(l.getKey().split("/")));
        Files.createDirectories(out.getParent());
        Files.copy(src, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** A path component the default file system accepts (unmappable characters become '_'). */
  static String fsName(String s) {
    try {
      Path.of(s);
      if (s.indexOf('\uFFFD') < 0) {
        return s;
      }
    } catch (InvalidPathException e) {
      // fall through
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '_'));
    return b.toString();
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints()
        .limit(300)
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
              } else {
                b.appendCodePoint(c);
              }
            });
    return b.toString();
  }
}
