package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import dev.finetune.trainer.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a dataset or weights URI into a local file or directory.
 *
 * <p>Schemes: {@code file:///abs/path}; {@code https://}; {@code http://} only for loopback
 * hosts (tests); {@code s3://BUCKET/KEY} through the {@link ObjectStore} that {@code s3Opener}
 * returns for {@code "s3://BUCKET"} (a KEY with no object is treated as a folder: every object
 * under {@code KEY/} is downloaded); {@code hf://ORG/REPO[/FILE]} which reads
 * {@code ${HF_ENDPOINT:-https://huggingface.co}/ORG/REPO/resolve/main/FILE} (FILE defaults to
 * model.safetensors; HF_TOKEN, when set, is sent as a bearer token). A {@code #sub/path}
 * fragment selects a path inside the fetched folder or archive.
 *
 * <p>Downloads are kept in a {@link DownloadCache} under {@code cacheDir}: by content hash,
 * indexed by URI, archives extracted once. Local archives are hashed in place, never copied.
 *
 * <p>Which schemes and hosts may be fetched is a {@link UriPolicy}; redirects are followed by
 * this class (at most 5) so that every target is checked against it before connecting.
 *
 * <p>Errors: unknown or disallowed scheme or host UNSUPPORTED; missing file, object, HTTP 404 or a
 * missing #sub/path NOT_FOUND; connection failures and HTTP 5xx/429 are retried per
 * {@link RetryPolicy} and then STORAGE_UNAVAILABLE; unsafe archives ARCHIVE_UNSAFE.
 */
public final class Fetcher {
  /** Every scheme this class understands. */
  public static final Set<String> ALL_SCHEMES = Set.of("file", "http", "https", "s3", "hf");

  private static final Logger LOG = LoggerFactory.getLogger(Fetcher.class);
  private static final String HF_DEFAULT = "https://huggingface.co";

  private final DownloadCache cache;
  private final Function<String, ObjectStore> s3Opener;
  private final UriPolicy policy;
  private final Map<String, String> env;
  private final RetryPolicy retry;

  /** Reads HF_ENDPOINT/HF_TOKEN from the process environment; default limits and retries. */
  public Fetcher(Path cacheDir, Function<String, ObjectStore> s3Opener, Set<String> allowedSchemes) {
    this(cacheDir, s3Opener, allowedSchemes, System.getenv(), ArchiveLimits.DEFAULT,
        RetryPolicy.DEFAULT);
  }

  public Fetcher(Path cacheDir, Function<String, ObjectStore> s3Opener, Set<String> allowedSchemes,
      Map<String, String> env, ArchiveLimits limits, RetryPolicy retry) {
    this(cacheDir, s3Opener, new UriPolicy(allowedSchemes, List.of()), env, limits, retry);
  }

  /** With an allowlist of schemes and hosts (see {@link UriPolicy}). */
  public Fetcher(Path cacheDir, Function<String, ObjectStore> s3Opener, UriPolicy policy,
      Map<String, String> env, ArchiveLimits limits, RetryPolicy retry) {
    this.cache = new DownloadCache(cacheDir, limits);
    this.s3Opener = s3Opener;
    this.policy = policy;
    this.env = Map.copyOf(env);
    this.retry = retry;
  }

  /** A local file or directory for the URI (see the class comment). */
  public Path fetch(String uri) {
    return fetch("URI", uri);
  }

  /**
   * As {@link #fetch(String)}; errors name {@code field} (e.g. spec.dataset.train), and the URI
   * and every redirect are checked against the {@link UriPolicy} before anything is read, the
   * cache included.
   */
  public Path fetch(String field, String uri) {
    if (uri == null || uri.isBlank()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, field + ": empty URI; expected one of "
          + policy.schemesText());
    }
    int hash = uri.indexOf('#');
    String base = hash < 0 ? uri : uri.substring(0, hash);
    String fragment = hash < 0 ? "" : uri.substring(hash + 1);
    int sep = base.indexOf("://");
    String scheme = sep < 0 ? "" : base.substring(0, sep).toLowerCase(Locale.ROOT);
    policy.checkScheme(field, uri, scheme);
    cache.create();
    try {
      Path local = switch (scheme) {
        case "file" -> local(base);
        case "http", "https" -> download(field, base, base, null);
        case "s3" -> s3(base);
        case "hf" -> huggingFace(field, base);
        default -> throw new IllegalStateException(scheme);
      };
      return select(local, fragment, uri);
    } catch (IOException e) {
      throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, "cannot fetch " + uri + ": " + e,
          e);
    }
  }

  private Path local(String base) throws IOException {
    String raw = base.substring("file://".length());
    Path p;
    try {
      p = raw.contains("%") ? Path.of(URI.create(base)) : Path.of(raw);
    } catch (RuntimeException e) {
      p = Path.of(raw);
    }
    if (!p.isAbsolute()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, "file URI '" + base + "' must be absolute,"
          + " like file:///data/train");
    }
    if (!Files.exists(p)) {
      throw new TrainerException(ExitCode.NOT_FOUND, base + ": no such file or directory");
    }
    if (Files.isRegularFile(p) && ArchiveExtractor.isArchive(p.getFileName().toString())) {
      return cache.extractedLocal(p, base);
    }
    return p;
  }

  private Path huggingFace(String field, String base) throws IOException {
    String rest = base.substring("hf://".length());
    String[] parts = rest.split("/", 3);
    if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, "hf URI '" + base + "' must look like"
          + " hf://ORG/REPO or hf://ORG/REPO/FILE");
    }
    String file = parts.length == 3 && !parts[2].isEmpty() ? parts[2] : "model.safetensors";
    String endpoint = env.getOrDefault("HF_ENDPOINT", HF_DEFAULT);
    if (endpoint.isBlank()) {
      endpoint = HF_DEFAULT;
    }
    while (endpoint.endsWith("/")) {
      endpoint = endpoint.substring(0, endpoint.length() - 1);
    }
    String url = endpoint + "/" + parts[0] + "/" + parts[1] + "/resolve/main/" + file;
    return download(field, url, base, env.get("HF_TOKEN"));
  }

  // ---------------------------------------------------------------- http

  private Path download(String field, String url, String cacheKey, String bearer)
      throws IOException {
    URI start = parseUrl(field, url);
    policy.checkUrl(field, start, "");
    Path cached = cache.blob(cacheKey);
    if (cached != null) {
      LOG.info("using cached {} ({})", cacheKey, cached);
      return cache.materialize(cached, cacheKey);
    }
    // Named after the requested URL, not a redirect target (a CDN path has no .zip suffix).
    String name = fileName(start.getPath(), "download");
    IOException last = null;
    long deadline = System.nanoTime() + retry.deadline().toNanos();
    for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
      if (attempt > 1) {
        sleep(retry.delay(attempt - 1).toMillis(), url);
        checkDeadline(deadline, field, url);
      }
      HttpURLConnection c = null;
      try {
        c = open(field, start, bearer);
        int status = c.getResponseCode();
        if (status == 404 || status == 410) {
          throw new TrainerException(ExitCode.NOT_FOUND, "GET " + url + " returned HTTP " + status
              + ": not found");
        }
        if (status >= 500 || status == 429 || status == 408) {
          last = new IOException("HTTP " + status);
          LOG.warn("GET {} returned HTTP {} (attempt {}/{})", url, status, attempt,
              retry.attempts());
          continue;
        }
        if (status != 200) {
          throw new TrainerException(ExitCode.NOT_FOUND, "GET " + url + " returned HTTP " + status
              + "; expected 200 (is the URL right and readable without credentials?)");
        }
        try (InputStream in = new DeadlineInputStream(c.getInputStream(),
            () -> checkDeadline(deadline, field, url))) {
          return cache.put(cacheKey, in, name);
        }
      } catch (IOException e) {
        last = e;
        LOG.warn("GET {} failed (attempt {}/{}): {}", url, attempt, retry.attempts(), e.toString());
      } finally {
        if (c != null) {
          c.disconnect();
        }
      }
    }
    throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, "GET " + url + " failed after "
        + retry.attempts() + " attempts: " + last, last);
  }

  private void checkDeadline(long deadline, String field, String url) {
    if (System.nanoTime() - deadline > 0) {
      throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, field + ": GET " + url
          + " did not finish within the download deadline of " + retry.deadline().toSeconds()
          + " s (--download-deadline, FINETUNE_DOWNLOAD_DEADLINE); the server is too slow");
    }
  }

  private static URI parseUrl(String field, String url) {
    try {
      URI parsed = URI.create(url);
      if (parsed.getHost() == null) {
        throw new IllegalArgumentException("no host");
      }
      parsed.toURL();
      return parsed;
    } catch (IllegalArgumentException | java.net.MalformedURLException e) {
      throw new TrainerException(ExitCode.INVALID_SPEC, field + ": malformed URL '" + url + "': "
          + e.getMessage());
    }
  }

  /**
   * Connects to url and follows up to {@value #MAX_REDIRECTS} redirects itself, checking each
   * target against the policy before connecting (HttpURLConnection would follow them blindly).
   * The bearer token is sent only to the origin (scheme, host and port) of the first URL.
   */
  private HttpURLConnection open(String field, URI url, String bearer) throws IOException {
    URI current = url;
    for (int hop = 0; ; hop++) {
      HttpURLConnection c = (HttpURLConnection) current.toURL().openConnection();
      c.setConnectTimeout((int) retry.timeout().toMillis());
      c.setReadTimeout((int) retry.timeout().toMillis());
      c.setInstanceFollowRedirects(false);
      if (bearer != null && !bearer.isBlank() && sameOrigin(current, url)) {
        c.setRequestProperty("Authorization", "Bearer " + bearer);
      }
      int status = c.getResponseCode();
      if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        return c;
      }
      String location = c.getHeaderField("Location");
      c.disconnect();
      if (location == null || location.isBlank()) {
        throw new TrainerException(ExitCode.NOT_FOUND, field + ": GET " + current
            + " returned HTTP " + status + " without a Location header");
      }
      if (hop >= MAX_REDIRECTS) {
        throw new TrainerException(ExitCode.NOT_FOUND, field + ": more than " + MAX_REDIRECTS
            + " redirects from " + url);
      }
      URI next;
      try {
        next = current.resolve(location.trim());
      } catch (IllegalArgumentException e) {
        throw new TrainerException(ExitCode.NOT_FOUND, field + ": " + current
            + " redirected to a malformed Location '" + location + "'");
      }
      policy.checkUrl(field, next, "redirected from " + current);
      LOG.info("{}: {} redirected to {}", field, current, next);
      current = next;
    }
  }

  private static final int MAX_REDIRECTS = 5;

  /** Same scheme, host and port (the default port when none is given). */
  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  private static void sleep(long ms, String url) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, "interrupted while retrying "
          + url);
    }
  }

  // ---------------------------------------------------------------- s3

  private Path s3(String base) throws IOException {
    String rest = base.substring("s3://".length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    while (key.endsWith("/")) {
      key = key.substring(0, key.length() - 1);
    }
    if (bucket.isEmpty()) {
      throw new TrainerException(ExitCode.INVALID_SPEC, "s3 URI '" + base + "' must look like"
          + " s3://BUCKET/KEY");
    }
    Path cached = cache.blob(base);
    if (cached != null) {
      return cache.materialize(cached, base);
    }
    Path dirCache = cache.folder(base);
    if (Files.isDirectory(dirCache)) {
      return dirCache;
    }
    try (ObjectStore store = s3Opener.apply("s3://" + bucket)) {
      if (!key.isEmpty()) {
        Path tmp = cache.tempPath("s3-");
        if (store.get(key, tmp)) {
          Path blob;
          try (InputStream in = Files.newInputStream(tmp)) {
            blob = cache.store(base, in, fileName(key, "object"));
          } finally {
            Files.deleteIfExists(tmp);
          }
          return cache.materialize(blob, base);
        }
      }
      String prefix = key.isEmpty() ? "" : key + "/";
      List<String> keys = store.list(prefix);
      if (keys.isEmpty()) {
        throw new TrainerException(ExitCode.NOT_FOUND, base + ": no such object, and no objects"
            + " under " + prefix);
      }
      Path tmpDir = cache.tempPath("s3dir-");
      for (String k : keys) {
        String relative = k.substring(prefix.length());
        if (relative.isEmpty() || relative.endsWith("/")) {
          continue;
        }
        Path out = tmpDir;
        for (String part : relative.split("/")) {
          if (part.isEmpty() || part.equals(".") || part.equals("..")) {
            throw new TrainerException(ExitCode.ARCHIVE_UNSAFE, base + ": object key '" + k
                + "' has an empty, '.' or '..' path component");
          }
          out = out.resolve(ArchiveExtractor.fsName(part));
        }
        Files.createDirectories(out.getParent());
        if (!store.get(k, out)) {
          throw new TrainerException(ExitCode.NOT_FOUND, "s3://" + bucket + "/" + k
              + " vanished while downloading " + base);
        }
      }
      return cache.publish(tmpDir, dirCache);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static Path select(Path local, String fragment, String uri) {
    if (fragment.isEmpty()) {
      return local;
    }
    if (!Files.isDirectory(local)) {
      throw new TrainerException(ExitCode.INVALID_SPEC, uri + ": a '#sub/path' needs a folder or"
          + " an archive (.zip, .tar.gz, .tgz), but this is a single file");
    }
    Path p = local;
    for (String part : fragment.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new TrainerException(ExitCode.INVALID_SPEC, uri + ": '#" + fragment
            + "' must not contain '..'");
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
      throw new TrainerException(ExitCode.NOT_FOUND, uri + ": '#" + fragment + "' does not exist"
          + " inside it; top-level entries are " + top);
    }
    return p;
  }

  private static String fileName(String path, String fallback) {
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
