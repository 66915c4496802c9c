package dev.finetune.operator.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3 API (s3proxy, filesystem backend in a temporary folder) on a free loopback port with
 * AWS v4 authentication and one bucket. Objects can be inspected as files under {@link #root()}.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "sim-access-key";
  public static final String SECRET_KEY = "sim-secret-key-0123456789";
  public static final String REGION = "us-east-1";

  private final String bucket;
  private final Path baseDir;
  private final InetAddress host;
  private final int port;
  private final BlobStore store;
  private S3Proxy proxy;

  private S3Server(String bucket, InetAddress host) throws Exception {
    this.bucket = bucket;
    this.host = host;
    this.baseDir = Files.createTempDirectory("sim-s3-");
    try (ServerSocket s = new ServerSocket(0, 1, host)) {
      this.port = s.getLocalPort();
    }
    Properties props = new Properties();
    props.setProperty("jclouds.provider", "filesystem-nio2");
    props.setProperty("jclouds.filesystem.basedir", baseDir.toString());
    props.setProperty("jclouds.identity", ACCESS_KEY);
    props.setProperty("jclouds.credential", SECRET_KEY);
    store = BlobStores.create("filesystem-nio2", props);
    store.createContainer(bucket);
    serve();
  }

  private void serve() throws Exception {
    proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create(endpoint()))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .stopTimeout(0).jettyMaxThreads(24).build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(10);
    }
  }

  /** An outage: the port stops answering; objects stay. */
  public void stop() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop s3proxy: " + e, e);
    }
  }

  /** Serves again on the same port, with the same objects. */
  public void restart() {
    try {
      serve();
    } catch (Exception e) {
      throw new IllegalStateException("cannot restart s3proxy: " + e, e);
    }
  }

  public static S3Server start(String bucket) {
    return start(bucket, InetAddress.getLoopbackAddress());
  }

  /** Listens on {@code host} instead of loopback (containers reach it on a bridge address). */
  public static S3Server start(String bucket, InetAddress host) {
    try {
      return new S3Server(bucket, host);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start s3proxy: " + e, e);
    }
  }

  public String endpoint() {
    return "http://" + host.getHostAddress() + ":" + port;
  }

  /** s3://bucket/prefix */
  public String uri(String prefix) {
    return "s3://" + bucket + "/" + prefix;
  }

  /** The Secret data a trainer pod gets through envFrom. */
  public Map<String, String> credentials() {
    return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
        "AWS_REGION", REGION, "AWS_ENDPOINT_URL", endpoint());
  }

  /**
   * {@link #credentials()} as a Secret's {@code data} (base64): the mock API server does not turn
   * {@code stringData} into {@code data} as a real one does.
   */
  public Map<String, String> secretData() {
    Map<String, String> out = new java.util.HashMap<>();
    credentials().forEach((k, v) -> out.put(k, java.util.Base64.getEncoder().encodeToString(
        v.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
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
            .map(p -> root().relativize(p).toString().replace('\\', '/')).sorted().toList();
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

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      // best effort
    }
  }
}
