package dev.finetune.trainer.data.fetch;

import dev.finetune.contract.ExitCode;
import dev.finetune.trainer.error.TrainerException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code https://} (and {@code http://} where the {@link UriPolicy} allows it): downloads into the
 * {@link DownloadCache}, following redirects itself (at most 5) so that every target is checked
 * against the policy before connecting. Connection failures and HTTP 5xx/429/408 are retried per
 * {@link RetryPolicy}, within its download deadline, then STORAGE_UNAVAILABLE; HTTP 404/410 and
 * other statuses are NOT_FOUND.
 */
final class HttpSource implements UriSource {
  // Logs under Fetcher's name, as before this class was split from it.
  private static final Logger LOG = LoggerFactory.getLogger(Fetcher.class);

  private final DownloadCache cache;
  private final UriPolicy policy;
  private final RetryPolicy retry;

  HttpSource(DownloadCache cache, UriPolicy policy, RetryPolicy retry) {
    this.cache = cache;
    this.policy = policy;
    this.retry = retry;
  }

  @Override
  public Path fetch(String field, String base) throws IOException {
    return download(field, base, base, null);
  }

  /** Downloads url into the cache under cacheKey, sending bearer (if any) to its origin. */
  Path download(String field, String url, String cacheKey, String bearer) throws IOException {
    URI start = parseUrl(field, url);
    policy.checkUrl(field, start, "");
    Path cached = cache.blob(cacheKey);
    if (cached != null) {
      LOG.info("using cached {} ({})", cacheKey, cached);
      return cache.materialize(cached, cacheKey);
    }
    // Named after the requested URL, not a redirect target (a CDN path has no .zip suffix).
    String name = Fetcher.fileName(start.getPath(), "download");
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
          throw new TrainerException(
              ExitCode.NOT_FOUND, "GET " + url + " returned HTTP " + status + ": not found");
        }
        if (status >= 500 || status == 429 || status == 408) {
          last = new IOException("HTTP " + status);
          LOG.warn(
              "GET {} returned HTTP {} (attempt {}/{})", url, status, attempt, retry.attempts());
          continue;
        }
        if (status != 200) {
          throw new TrainerException(
              ExitCode.NOT_FOUND,
              "GET "
                  + url
                  + " returned HTTP "
                  + status
                  + "; expected 200 (is the URL right and readable without credentials?)");
        }
        try (InputStream in =
            new DeadlineInputStream(
                c.getInputStream(), () -> checkDeadline(deadline, field, url))) {
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
    throw new TrainerException(
        ExitCode.STORAGE_UNAVAILABLE,
        "GET " + url + " failed after " + retry.attempts() + " attempts: " + last,
        last);
  }

  private void checkDeadline(long deadline, String field, String url) {
    if (System.nanoTime() - deadline > 0) {
      throw new TrainerException(
          ExitCode.STORAGE_UNAVAILABLE,
          field
              + ": GET "
              + url
              + " did not finish within the download deadline of "
              + retry.deadline().toSeconds()
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
      throw new TrainerException(
          ExitCode.INVALID_SPEC, field + ": malformed URL '" + url + "': " + e.getMessage());
    }
  }

  /**
   * Connects to url and follows up to {@value #MAX_REDIRECTS} redirects itself, checking each
   * target against the policy before connecting (HttpURLConnection would follow them blindly). The
   * bearer token is sent only to the origin (scheme, host and port) of the first URL.
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
        throw new TrainerException(
            ExitCode.NOT_FOUND,
            field + ": GET " + current + " returned HTTP " + status + " without a Location header");
      }
      if (hop >= MAX_REDIRECTS) {
        throw new TrainerException(
            ExitCode.NOT_FOUND, field + ": more than " + MAX_REDIRECTS + " redirects from " + url);
      }
      URI next;
      try {
        next = current.resolve(location.trim());
      } catch (IllegalArgumentException e) {
        throw new TrainerException(
            ExitCode.NOT_FOUND,
            field + ": " + current + " redirected to a malformed Location '" + location + "'");
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
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  private static void sleep(long ms, String url) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainerException(ExitCode.STORAGE_UNAVAILABLE, "interrupted while retrying " + url);
    }
  }
}
