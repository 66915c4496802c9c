package dev.finetune.trainer.storage;

import dev.finetune.contract.S3Settings;
import dev.finetune.testsupport.S3Server;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The stores that storage and checkpoint tests run against: a folder (file://) and a real S3 API
 * server (s3proxy), each a fresh, empty location per call. Start one in {@code @BeforeAll}, close
 * it in {@code @AfterAll}, and return {@link #fileAndS3} from the {@code @MethodSource}.
 */
public final class TestStores implements AutoCloseable {
  /** Opens a fresh, empty store. */
  public interface Factory {
    ObjectStore create() throws Exception;
  }

  private final AtomicInteger counter = new AtomicInteger();
  private final S3Server s3;
  private final Path tmp;

  private TestStores(S3Server s3, Path tmp) {
    this.s3 = s3;
    this.tmp = tmp;
  }

  /** Starts an S3 server whose bucket is {@code bucket}; file stores go under {@code tmp}. */
  public static TestStores start(String bucket, Path tmp) {
    return new TestStores(S3Server.start(bucket), tmp);
  }

  /** A folder store under tmp/{@code prefix}N. */
  public Factory file(String prefix) {
    return () -> new FileObjectStore(tmp.resolve(prefix + counter.incrementAndGet()));
  }

  /** An S3 store on a fresh prefix of the server's bucket. */
  public Factory s3(S3Settings settings) {
    return () -> ObjectStores.open(s3.uri("run-" + counter.incrementAndGet()), s3.env(), settings);
  }

  /** An S3 store on the root of a fresh bucket (no prefix). */
  public Factory s3BucketRoot(S3Settings settings) {
    return () -> {
      String bucket = "root-" + counter.incrementAndGet();
      s3.createBucket(bucket);
      return new S3ObjectStore(bucket, "", s3.env(), settings);
    };
  }

  /** ("file", factory) and ("s3", factory): the arguments of a parameterized test. */
  public Stream<Arguments> fileAndS3(S3Settings settings) {
    return Stream.of(Arguments.of("file", file("run-")), Arguments.of("s3", s3(settings)));
  }

  @Override
  public void close() {
    s3.close();
  }
}
