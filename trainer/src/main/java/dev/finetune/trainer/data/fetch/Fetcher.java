package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.contract.UriSchemes;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Turns a dataset or weights URI into a local file or directory.
 *
 * <p>This class checks the URI against the {@link UriPolicy}, hands it to the source for its
 * scheme, and selects a {@code #sub/path} fragment inside the fetched folder or archive. One source
 * per scheme: {@link FileSource} ({@code file:///abs/path}), {@link HttpSource} ({@code https://};
 * {@code http://} only for loopback hosts, tests), {@link S3Source} ({@code s3://BUCKET/KEY}, an
 * object or every object under {@code KEY/}, through the {@link ObjectStore} that {@code s3Opener}
 * returns for {@code "s3://BUCKET"}) and {@link HuggingFaceSource} ({@code hf://ORG/REPO[/FILE]}).
 *
 * <p>Downloads are kept in a {@link DownloadCache} under {@code cacheDir}: by content hash, indexed
 * by URI, archives extracted once. Local archives are hashed in place, never copied.
 *
 * <p>Which schemes and hosts may be fetched is a {@link UriPolicy}; redirects are followed by
 * {@link HttpSource} (at most 5) so that every target is checked against it before connecting.
 *
 * <p>Errors: unknown or disallowed scheme or host UNSUPPORTED; missing file, object, HTTP 404 or a
 * missing #sub/path NOT_FOUND; connection failures and HTTP 5xx/429 are retried per {@link
 * RetryPolicy} and then STORAGE_UNAVAILABLE; unsafe archives ARCHIVE_UNSAFE.
 */
public final class Fetcher {
  /** Every scheme this class understands. */
  public static final Set<String> ALL_SCHEMES = Set.copyOf(UriSchemes.TRAINER);

  private final DownloadCache cache;
  private final UriPolicy policy;
  private final Map<String, UriSource> sources;

  /** Reads HF_ENDPOINT/HF_TOKEN from the process environment; default limits and retries. */
  public Fetcher(
      Path cacheDir, Function<String, ObjectStore> s3Opener, Set<String> allowedSchemes) {
    this(
        cacheDir,
        s3Opener,
        allowedSchemes,
        System.getenv(),
        ArchiveLimits.DEFAULT,
        RetryPolicy.DEFAULT);
  }

  public Fetcher(
      Path cacheDir,
      Function<String, ObjectStore> s3Opener,
      Set<String> allowedSchemes,
      Map<String, String> env,
      ArchiveLimits limits,
      RetryPolicy retry) {
    this(cacheDir, s3Opener, new UriPolicy(allowedSchemes, List.of()), env, limits, retry);
  }

  /** With an allowlist of schemes and hosts (see {@link UriPolicy}). */
  public Fetcher(
      Path cacheDir,
      Function<String, ObjectStore> s3Opener,
      UriPolicy policy,
      Map<String, String> env,
      ArchiveLimits limits,
      RetryPolicy retry) {
    this.cache = new DownloadCache(cacheDir, limits);
    this.policy = policy;
    HttpSource http = new HttpSource(cache, policy, retry);
    this.sources =
        Map.of(
            "file",
            new FileSource(cache),
            "http",
            http,
            "https",
            http,
            "s3",
            new S3Source(cache, s3Opener),
            "hf",
            new HuggingFaceSource(http, env));
  }

  /** A local file or directory for the URI (see the class comment). */
  public Path fetch(String uri) {
    return fetch("URI", uri);
  }

  /**
   * As {@link #fetch(String)}; errors name {@code field} (e.g. spec.dataset.train), and the URI and
   * every redirect are checked against the {@link UriPolicy} before anything is read, the cache
   * included.
   */
  public Path fetch(String field, String uri) {
    if (uri == null || uri.isBlank()) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC, field + ": empty URI; expected one of " + policy.schemesText());
    }
    int hash = uri.indexOf('#');
    String base = hash < 0 ? uri : uri.substring(0, hash);
    String fragment = hash < 0 ? "" : uri.substring(hash + 1);
    int sep = base.indexOf("://");
    String scheme = sep < 0 ? "" : base.substring(0, sep).toLowerCase(Locale.ROOT);
    policy.checkScheme(field, uri, scheme);
    cache.create();
    try {
      UriSource source = sources.get(scheme);
      if (source == null) {
        throw new IllegalStateException(scheme);
      }
      return select(source.fetch(field, base), fragment, uri);
    } catch (IOException e) {
      throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, "cannot fetch " + uri + ": " + e, e);
    }
  }

  private static Path select(Path local, String fragment, String uri) {
    if (fragment.isEmpty()) {
      return local;
    }
    if (!Files.isDirectory(local)) {
      throw new TrainerException(
          ExitCode.INVALID_SPEC,
          uri
              + ": a '#sub/path' needs a folder or"
              + " an archive (.zip, .tar.gz, .tgz), but this is a single file");
    }
    Path p = local;
    for (String part : fragment.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new TrainerException(
            ExitCode.INVALID_SPEC, uri + ": '#" + fragment + "' must not contain '..'");
      }
      p = p.resolve(ArchiveExtractor.fsName(part));
    }
    if (!Files.exists(p)) {
      List<String> top = new ArrayList<>();
      try (Stream<Path> s = Files.list(local)) {
        s.map(q -> q.getFileName().toString()).sorted().limit(20).forEach(top::add);
      } catch (IOException e) {
        // listing is only for the message
      }
      throw new TrainerException(
          ExitCode.NOT_FOUND,
          uri
              + ": '#"
              + fragment
              + "' does not exist"
              + " inside it; top-level entries are "
              + top);
    }
    return p;
  }

  /** A safe local file name for the last segment of path, else fallback. */
  static String fileName(String path, String fallback) {
    String p = path == null ? "" : path;
    int q = p.indexOf('?');
    if (q >= 0) {
      p = p.substring(0, q);
    }
    String n = p.substring(p.lastIndexOf('/') + 1);
    n = n.replaceAll("[^A-Za-z0-9._-]", "_");
    return n.isEmpty() || n.equals(".") || n.equals("..") ? fallback : n;
  }
}
