package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.base.Sha256;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The download cache of a {@link Fetcher}, all under one folder: downloads are stored by the
 * SHA-256 of their bytes in {@code blobs/SHA/NAME}; {@code index/SHA256(KEY)} remembers which blob
 * a key (a URI) gave, so fetching the same URI again does not download it again (URIs are treated
 * as immutable; use a fresh cache folder to force a re-download). Archives (.zip, .tar, .tar.gz,
 * .tgz) are extracted once into {@code extracted/SHA} (of the archive bytes): into a temporary
 * folder, then renamed atomically, so a crash never leaves a half-extracted entry. Folders
 * downloaded object by object live in {@code s3/SHA256(KEY)}; work in progress in {@code tmp/}.
 */
final class DownloadCache {
  private final Path dir;
  private final ArchiveExtractor extractor;

  DownloadCache(Path dir, ArchiveLimits limits) {
    this.dir = dir.toAbsolutePath().normalize();
    this.extractor = new ArchiveExtractor(limits);
  }

  /** Creates the cache folder; USAGE naming --cache-dir if it cannot be created. */
  void create() {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new TrainerException(
          ExitCode.USAGE,
          "--cache-dir: cannot create the cache folder "
              + dir
              + " ("
              + e.getClass().getSimpleName()
              + "); choose a writable folder");
    }
  }

  /** The blob {@code key} gave before, or null if it is not cached. */
  Path blob(String key) throws IOException {
    Path idx = dir.resolve("index").resolve(Sha256.hex(key));
    if (!Files.isRegularFile(idx)) {
      return null;
    }
    String rel = Files.readString(idx, StandardCharsets.UTF_8).trim();
    Path blob = dir.resolve(rel).normalize();
    return blob.startsWith(dir.resolve("blobs")) && Files.isRegularFile(blob) ? blob : null;
  }

  /** Stores the stream as {@code key}'s blob named {@code name}; returns it (extracted). */
  Path put(String key, InputStream in, String name) throws IOException {
    return materialize(store(key, in, name), key);
  }

  /** Stores the stream as {@code key}'s blob named {@code name}; returns the blob as stored. */
  Path store(String key, InputStream in, String name) throws IOException {
    Path blob = storeBlob(in, name);
    writeIndex(key, blob);
    return blob;
  }

  /** The folder a folder-valued {@code key} is kept in (it may not exist yet). */
  Path folder(String key) {
    return dir.resolve("s3").resolve(Sha256.hex(key));
  }

  /** A local archive's extraction, by the SHA-256 of its bytes; hashed in place, never copied. */
  Path extractedLocal(Path archive, String uri) throws IOException {
    return extracted(archive, Sha256.hex(archive), uri);
  }

  private void writeIndex(String key, Path blob) throws IOException {
    Path index = Files.createDirectories(dir.resolve("index"));
    Path tmp = tempPath("idx-");
    Files.writeString(tmp, dir.relativize(blob).toString(), StandardCharsets.UTF_8);
    move(tmp, index.resolve(Sha256.hex(key)), true);
  }

  /** Copies the stream to blobs/SHA/name, hashing as it goes. */
  private Path storeBlob(InputStream in, String name) throws IOException {
    MessageDigest md = Sha256.digest();
    Path tmp = tempPath("dl-");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      byte[] buf = new byte[1 << 16];
      int r;
      while ((r = in.read(buf)) > 0) {
        md.update(buf, 0, r);
        out.write(buf, 0, r);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    String sha = Sha256.hex(md);
    Path blobDir = Files.createDirectories(dir.resolve("blobs").resolve(sha));
    Path blob = blobDir.resolve(name);
    if (Files.isRegularFile(blob)) {
      Files.deleteIfExists(tmp);
      return blob;
    }
    move(tmp, blob, false);
    return blob;
  }

  /** The blob itself, or its extraction when it is an archive. */
  Path materialize(Path blob, String uri) throws IOException {
    if (!ArchiveExtractor.isArchive(blob.getFileName().toString())) {
      return blob;
    }
    return extracted(blob, blob.getParent().getFileName().toString(), uri);
  }

  private Path extracted(Path archive, String sha, String uri) throws IOException {
    Path target = dir.resolve("extracted").resolve(sha);
    if (Files.isDirectory(target)) {
      return target;
    }
    Path tmp = tempPath("x-");
    try {
      extractor.extract(archive, uri, tmp);
    } catch (RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
    return publish(tmp, target);
  }

  /** Renames a finished temp folder into place; if another process won the race, use theirs. */
  Path publish(Path tmpDir, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    try {
      Files.move(tmpDir, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
      deleteTree(tmpDir);
    }
    return target;
  }

  private static void move(Path from, Path to, boolean replace) throws IOException {
    try {
      if (replace) {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(from);
    }
  }

  /** A fresh path under tmp/ (not created). */
  Path tempPath(String prefix) throws IOException {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    return tmp.resolve(prefix + UUID.randomUUID());
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
