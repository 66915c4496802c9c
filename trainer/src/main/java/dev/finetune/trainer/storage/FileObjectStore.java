package dev.finetune.trainer.storage;

import dev.finetune.contract.Keys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An {@link ObjectStore} on a local directory (file:///dir). Writes go to a temporary file in the
 * target's directory which is then atomically renamed over the target, so readers never see a
 * partial object. A missing root directory behaves as an empty store.
 */
public final class FileObjectStore implements ObjectStore {
  /** Suffix of in-flight temporary files; they are never listed. */
  static final String TEMP_SUFFIX = ".inflight";

  private final Path root;

  public FileObjectStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  private Path resolve(String key) {
    Keys.check(key);
    Path p = root.resolve(key).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new IllegalArgumentException("invalid object key '" + key + "': escapes the store");
    }
    return p;
  }

  @Override
  public void put(String key, Path file) throws IOException {
    Path target = resolve(key);
    Path tmp = tempFor(target);
    try {
      Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
      fsync(tmp);
      moveIntoPlace(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void put(String key, byte[] bytes) throws IOException {
    Path target = resolve(key);
    Path tmp = tempFor(target);
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      moveIntoPlace(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Path tempFor(Path target) throws IOException {
    Files.createDirectories(target.getParent());
    return Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", TEMP_SUFFIX);
  }

  private static void fsync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public boolean get(String key, Path target) throws IOException {
    Path src = resolve(key);
    if (!Files.isRegularFile(src)) {
      return false;
    }
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", TEMP_SUFFIX);
    try {
      try {
        Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
      } catch (NoSuchFileException e) {
        return false;
      }
      moveIntoPlace(tmp, abs);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public Optional<byte[]> read(String key) throws IOException {
    Path src = resolve(key);
    try {
      return Files.isRegularFile(src) ? Optional.of(Files.readAllBytes(src)) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public Optional<InputStream> open(String key) throws IOException {
    Path src = resolve(key);
    try {
      return Files.isRegularFile(src) ? Optional.of(Files.newInputStream(src)) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    String p = Keys.checkPrefix(prefix);
    int slash = p.lastIndexOf('/');
    Path dir = slash < 0 ? root : root.resolve(p.substring(0, slash));
    List<String> keys = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return keys;
    }
    // walkFileTree (not Files.walk): a file that a concurrent writer renames or deletes between
    // the directory read and its stat is skipped instead of failing the whole listing.
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
            String k = root.relativize(f).toString().replace('\\', '/');
            if (attrs.isRegularFile()
                && !f.getFileName().toString().endsWith(TEMP_SUFFIX)
                && k.startsWith(p)) {
              keys.add(k);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            return FileVisitResult.CONTINUE;
          }
        });
    keys.sort(null);
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    Path p = resolve(key);
    Files.deleteIfExists(p);
    // Remove now-empty parent folders up to (not including) the root, best effort.
    for (Path d = p.getParent();
        d != null && d.startsWith(root) && !d.equals(root);
        d = d.getParent()) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        break;
      } catch (IOException e) {
        break;
      }
    }
  }

  @Override
  public String uri() {
    String u = root.toUri().toString();
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return uri();
  }
}
