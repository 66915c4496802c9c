package dev.finetune.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * An in-process S3 server for tests: s3proxy 4.1.0 with the filesystem-nio2 backend in a temporary
 * folder, on a free loopback port, with AWS v2/v4 authentication and one bucket.
 *
 * <pre>{@code
 * try (S3Server s3 = S3Server.start("bucket")) {
 *   ObjectStore store = ObjectStores.open(s3.uri("prefix"), s3.env());
 * }
 * }</pre>
 *
 * <p>Objects can be inspected as files under {@link #root()}.
 *
 * <p>{@link #stop()} and {@link #restart()} simulate an outage on the same port; data survives.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "test-access-key";
  public static final String SECRET_KEY = "test-secret-key-0123456789";
  public static final String REGION = "us-east-1";

  static {
    System.setProperty("org.slf4j.simpleLogger.log.org.gaul", "info");
    System.setProperty("org.slf4j.simpleLogger.log.org.gaul.shaded", "warn");
    System.setProperty(
        "org.slf4j.simpleLogger.log.org.gaul.s3proxy.CrossOriginResourceSharing", "warn");
  }

  private final String bucket;
  private final Path baseDir;
  private final boolean ownsBaseDir;
  private final int port;
  private final String accessKey;
  private final String secretKey;
  private final BlobStore blobStore;
  private final InetAddress host;
  private S3Proxy proxy;

  private S3Server(String bucket, String accessKey, String secretKey, InetAddress host)
      throws Exception {
    this(bucket, accessKey, secretKey, host, null);
  }

  private S3Server(
      String bucket, String accessKey, String secretKey, InetAddress host, Path baseDir)
      throws Exception {
    this.host = host;
    this.bucket = bucket;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.baseDir =
        baseDir == null ? Files.createTempDirectory("s3proxy-") : Files.createDirectories(baseDir);
    this.ownsBaseDir = baseDir == null;
    this.port = freePort();
    Properties props = new Properties();
    props.setProperty("jclouds.provider", "filesystem-nio2");
    props.setProperty("jclouds.filesystem.basedir", this.baseDir.toString());
    props.setProperty("jclouds.identity", accessKey);
    props.setProperty("jclouds.credential", secretKey);
    props.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    this.blobStore = BlobStores.create("filesystem-nio2", props);
    blobStore.createContainer(bucket);
    startProxy();
  }

  /** Starts a server with the default test credentials and creates bucket. */
  public static S3Server start(String bucket) {
    return start(bucket, ACCESS_KEY, SECRET_KEY);
  }

  /** Starts a server that accepts only the given credentials and creates bucket. */
  public static S3Server start(String bucket, String accessKey, String secretKey) {
    try {
      return new S3Server(bucket, accessKey, secretKey, InetAddress.getLoopbackAddress());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start s3proxy: " + e, e);
    }
  }

  /**
   * Listens on {@code host} instead of loopback, with the default test credentials (containers
   * reach it on a bridge address).
   */
  public static S3Server start(String bucket, InetAddress host) {
    try {
      return new S3Server(bucket, ACCESS_KEY, SECRET_KEY, host);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start s3proxy: " + e, e);
    }
  }

  /**
   * Listens on {@code host} with the default test credentials and keeps the objects in {@code
   * baseDir}, which outlives the server ({@code bin/cluster node}'s object store).
   */
  public static S3Server start(String bucket, InetAddress host, Path baseDir) {
    try {
      return new S3Server(bucket, ACCESS_KEY, SECRET_KEY, host, baseDir);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start s3proxy: " + e, e);
    }
  }

  private int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, host)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private void startProxy() throws Exception {
    S3Proxy p =
        S3Proxy.builder()
            .blobStore(blobStore)
            .endpoint(URI.create(endpoint()))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
            .stopTimeout(0)
            .jettyMaxThreads(24)
            .build();
    // Binding right after a stop can briefly fail; retry for a few seconds.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        p.start();
        break;
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          p.stop();
        } catch (Exception ignored) {
          // not started
        }
        Thread.sleep(100);
      }
    }
    while (!"STARTED".equals(p.getState())) {
      Thread.sleep(10);
    }
    proxy = p;
  }

  /** http://127.0.0.1:port (or the host it was started on) */
  public String endpoint() {
    return "http://" + host.getHostAddress() + ":" + port;
  }

  public int port() {
    return port;
  }

  public String bucket() {
    return bucket;
  }

  /** The folder backing the store (bucket data lives in baseDir/bucket). */
  public Path baseDir() {
    return baseDir;
  }

  /** s3://bucket/prefix ("" or null for the bucket root). */
  public String uri(String prefix) {
    return "s3://" + bucket + (prefix == null || prefix.isEmpty() ? "" : "/" + prefix);
  }

  /** The S3 environment (dev.finetune.contract.S3Env): the trainer's, or a Secret's data. */
  public Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_ACCESS_KEY_ID", accessKey);
    env.put("AWS_SECRET_ACCESS_KEY", secretKey);
    env.put("AWS_REGION", REGION);
    env.put("AWS_ENDPOINT_URL", endpoint());
    return env;
  }

  /**
   * {@link #env()} as a Secret's {@code data} (base64): the mock API server does not turn {@code
   * stringData} into {@code data} as a real one does.
   */
  public Map<String, String> secretData() {
    Map<String, String> out = new HashMap<>();
    env()
        .forEach(
            (k, v) ->
                out.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return out;
  }

  /** The folder that holds the bucket's objects as files. */
  public Path root() {
    return baseDir.resolve(bucket);
  }

  /** The file of an s3://bucket/key URI. */
  public Path file(String uri) {
    String prefix = "s3://" + bucket + "/";
    if (!uri.startsWith(prefix)) {
      throw new IllegalArgumentException(uri + " is not in " + prefix);
    }
    return root().resolve(uri.substring(prefix.length()));
  }

  /** Keys under a prefix, sorted. */
  public List<String> keys(String prefix) {
    Path dir = root().resolve(prefix);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    // Tests poll this while the trainer uploads: a file can vanish between the directory read
    // and its stat, so such a walk is simply repeated.
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> walk = Files.walk(dir)) {
        return walk.filter(Files::isRegularFile)
            .map(p -> root().relativize(p).toString().replace('\\', '/'))
            .sorted()
            .toList();
      } catch (UncheckedIOException e) {
        if (!(e.getCause() instanceof NoSuchFileException) || attempt == 20) {
          throw e;
        }
      } catch (NoSuchFileException e) {
        if (attempt == 20) {
          throw new UncheckedIOException(e);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Creates another bucket. */
  public void createBucket(String name) {
    blobStore.createContainer(name);
  }

  /** Stops serving (connections are refused) but keeps the data and the port. */
  public synchronized void stop() {
    if (proxy != null) {
      try {
        proxy.stop();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop s3proxy", e);
      }
      proxy = null;
    }
  }

  /** Serves again on the same port after {@link #stop()}. */
  public synchronized void restart() {
    if (proxy == null) {
      try {
        startProxy();
      } catch (Exception e) {
        throw new IllegalStateException("cannot restart s3proxy on port " + port, e);
      }
    }
  }

  public synchronized boolean running() {
    return proxy != null;
  }

  @Override
  public synchronized void close() {
    stop();
    if (ownsBaseDir) {
      try (Stream<Path> walk = Files.walk(baseDir)) {
        walk.sorted(Comparator.reverseOrder())
            .forEach(
                p -> {
                  try {
                    Files.deleteIfExists(p);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
      } catch (IOException | UncheckedIOException e) {
        // best effort
      }
    }
  }
}
