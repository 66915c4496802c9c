package dev.finetune.trainer.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class S3TestServerSmokeTest {
  @Test
  void putAndReadBack() throws Exception {
    try (S3TestServer s3 = S3TestServer.start("bucket");
        ObjectStore store = ObjectStores.open(s3.uri("p"), s3.env())) {
      store.put("a/b.txt", "hello".getBytes(StandardCharsets.UTF_8));
      assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), store.read("a/b.txt").get());
      s3.stop();
      s3.restart();
      assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), store.read("a/b.txt").get());
    }
  }
}
